/**
 * The console's HTTP surface, checked before anything else reads a request: the request's `Host` must be one of
 * the station's own names (a DNS-rebound name that resolves to 127.0.0.1 is refused), a WebSocket upgrade's
 * `Origin` one of the station's own origins (a foreign page cannot open /ws), and the URL must decode (`GET /%`
 * is a 400, never an exception). Every answer carries the security headers.
 *
 * Origin on upgrades: browsers always send it on a WebSocket handshake, so a foreign page is always caught. A
 * client without one (the `ws` package, a script) is not a browser that a foreign page could drive; it is let
 * through to the session check, which it must pass like anyone else.
 */
import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The WebSocket message caps. The biggest message the contract has is a mission upload (a `.plan` or
 * `.waypoints` file as text, common/api/contract.ts `upload`): a QGroundControl .plan costs ~350 bytes per
 * item pretty-printed, a patrol sortie is tens of items, and ArduPilot keeps at most a few thousand items even
 * with SD storage; 4 MiB holds more than 10 000 items. /ws/video and /ws/replay only receive small JSON
 * controls (subscribe, seek, speed), so 64 KiB is already generous. (Before: 100 MiB on every socket, and a
 * few such messages grew the station from 139 to 497 MB.)
 */
export const WS_MAX_CONSOLE_MESSAGE = 4 * 1024 * 1024;
export const WS_MAX_CONTROL_MESSAGE = 64 * 1024;
/** JSON bodies of the sign-in and admin requests. */
export const MAX_JSON_BODY = 16 * 1024;

/**
 * CSP: scripts, styles and connections only from the station itself (connect-src 'self' covers ws:/wss: of the
 * same host in current browsers; the explicit ws(s):// of the request's own host is there for older ones).
 * Images also from the online basemaps' tile servers (as renderer/index.html's own policy lists them) and
 * data:/blob: (video snapshots, Leaflet's icons); no framing at all.
 */
export function securityHeaders(host: string | undefined, tls: boolean): Record<string, string> {
  const ws = host ? ` ${tls ? 'wss' : 'ws'}://${host}` : '';
  return {
    'content-security-policy': [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob: https://tile.openstreetmap.org https://*.tianditu.gov.cn https://*.is.autonavi.com",
      `connect-src 'self'${ws}`,
      "worker-src 'self' blob:",
      "media-src 'self' blob:",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    ...(tls ? { 'strict-transport-security': 'max-age=31536000' } : {}),
  };
}

/** The names this station answers to (lower case, `host:port`), and its origins (`scheme://host:port`). */
export interface SiteNames {
  hosts: Set<string>;
  origins: Set<string>;
}

const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];

function bracket(h: string): string {
  return isIP(h) === 6 ? `[${h}]` : h;
}

/**
 * Loopback names always; the bound address; for a wildcard bind (0.0.0.0, ::) every address of the machine's
 * interfaces and its host name (with and without `.local`); plus names the operator adds (`--public-name`).
 */
export function stationNames(bindHost: string, extra: string[] = []): string[] {
  const names = new Set<string>(LOOPBACK);
  const wildcard = bindHost === '0.0.0.0' || bindHost === '::' || bindHost === '';
  if (!wildcard) names.add(bracket(bindHost.toLowerCase()));
  else {
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(bracket(a.address.toLowerCase().replace(/%.*$/, '')));
    const h = hostname().toLowerCase();
    names.add(h);
    if (!h.endsWith('.local')) names.add(`${h}.local`);
  }
  for (const e of extra) names.add(bracket(e.toLowerCase()));
  return [...names];
}

export function siteNames(bindHost: string, port: number, tls: boolean, extra: string[] = []): SiteNames {
  const names = stationNames(bindHost, extra);
  const hosts = new Set<string>();
  const origins = new Set<string>();
  const scheme = tls ? 'https' : 'http';
  const defaultPort = tls ? 443 : 80;
  for (const n of names) {
    hosts.add(`${n}:${port}`);
    origins.add(`${scheme}://${n}:${port}`);
    if (port === defaultPort) {
      hosts.add(n);
      origins.add(`${scheme}://${n}`);
    }
  }
  return { hosts, origins };
}

export function hostAllowed(req: IncomingMessage, names: SiteNames): boolean {
  const h = req.headers.host;
  return typeof h === 'string' && names.hosts.has(h.toLowerCase());
}

/** Absent Origin: not a browser (see the file's comment). Present: must be ours exactly. */
export function originAllowed(req: IncomingMessage, names: SiteNames): boolean {
  const o = req.headers.origin;
  if (o === undefined) return true;
  return typeof o === 'string' && names.origins.has(o.toLowerCase());
}

export interface RequestTarget {
  /** The decoded path, e.g. `/api/flights/a b`. */
  path: string;
  query: URLSearchParams;
}

/** The request's path and query, or undefined when the URL does not parse or decode (→ 400). */
export function requestTarget(url: string | undefined): RequestTarget | undefined {
  if (typeof url !== 'string' || !url.startsWith('/') || url.startsWith('//')) return undefined;
  let u: URL;
  try {
    u = new URL(url, 'http://station.invalid');
  } catch {
    return undefined;
  }
  let path: string;
  try {
    path = decodeURIComponent(u.pathname);
  } catch {
    return undefined;
  }
  if (path.includes('\0')) return undefined;
  return { path, query: u.searchParams };
}

/** A plain-text refusal (with the security headers when the caller passes them). */
export function refuse(res: ServerResponse, code: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(code, { ...headers, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end(`${text}\n`);
}

/** Reads a JSON body of at most `max` bytes: the value, or a refusal's code and reason. */
export function readJsonBody(req: IncomingMessage, max = MAX_JSON_BODY): Promise<{ ok: true; value: unknown } | { ok: false; code: number; reason: string }> {
  return new Promise((resolve) => {
    const type = String(req.headers['content-type'] ?? '');
    if (!/^application\/json\b/i.test(type)) {
      req.resume();
      return resolve({ ok: false, code: 415, reason: 'the body must be application/json' });
    }
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > max) {
      req.resume();
      return resolve({ ok: false, code: 413, reason: `the body is larger than ${max} bytes` });
    }
    const parts: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (b: Buffer) => {
      if (done) return;
      size += b.length;
      if (size > max) {
        done = true;
        req.resume();
        resolve({ ok: false, code: 413, reason: `the body is larger than ${max} bytes` });
        return;
      }
      parts.push(b);
    });
    req.on('error', () => !done && ((done = true), resolve({ ok: false, code: 400, reason: 'the request body broke off' })));
    req.on('end', () => {
      if (done) return;
      done = true;
      try {
        resolve({ ok: true, value: JSON.parse(Buffer.concat(parts).toString('utf8')) as unknown });
      } catch {
        resolve({ ok: false, code: 400, reason: 'the body is not valid JSON' });
      }
    });
  });
}
