/**
 * The console server: serves the bundled renderer over HTTP and the station's live state over WebSocket
 * (`/ws`): a `hello` with the station's geography, ~10 Hz snapshots, discrete events, and command results.
 * Flight replay (station/replay/): the recorded flights at `/api/flights[/<id>]`, their video on `/ws/replay`
 * (or, in the desktop app's windows, its replay port: `attachReplay`, replay-port.ts).
 * Binds 127.0.0.1 by default. A port in use is an error value naming the address, never a crash.
 *
 * Who may come in (issue 14): every request passes the HTTP guard first (http-guard.ts: Host, Origin on
 * upgrades, a URL that decodes), then `/ws*`, `/api/*`, `/tiles/` and `/plan-files/` need a session
 * (station/auth/); only the app shell and the sign-in endpoints are public. A console's principal is its
 * session's user and role; sockets of a session that ends are closed with 4401.
 *
 * Without a socket (`listen: false`): the desktop app's own windows reach the same handling in-process through
 * `fetch(Request)` (fetch-adapter.ts, the app's `kongxun://app/` scheme) and the console protocol through
 * `attach` (its MessagePort); no TCP port is opened. `kongxun serve`, and the desktop app when LAN consoles are
 * wanted, listen as before.
 */
import { createReadStream, existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import type { Clock } from '../../common/clock.js';
import { err, ok, type Result } from '../../common/result.js';
import { APP_HOST, APP_ORIGIN, fetchThrough } from './fetch-adapter.js';
import type { TileSource } from './mbtiles.js';
import type { VideoHub } from '../video/hub.js';
import type { JanusAccess } from '../video/janus.js';
import { SNAPSHOT_NAME } from '../video/alert-snapshot.js';
import { FlightCatalog } from '../replay/flights.js';
import type { AuditLog } from '../gateway/audit.js';
import { clearedCookie, sessionCookie, sessionToken, type Auth, type Session } from '../auth/auth.js';
import { hostAllowed, originAllowed, readJsonBody, refuse, requestTarget, securityHeaders, siteNames, type RequestTarget, type SiteNames } from './http-guard.js';
import { serveReplayPort, type ReplayPortEnd } from './replay-port.js';
import { FLIGHTS, identity, PUBLIC_API, serveAudit, serveFlights, serveUsers } from './api-routes.js';
import { ConsolePeers, type ConsolePeer, type ConsoleSource } from './console-peers.js';
import { relayJanus, serveStatic } from './static-files.js';
import { consoleSockets } from './ws-upgrade.js';

export type { ConsolePeer, ConsoleSource } from './console-peers.js';

export interface ConsoleServerOptions {
  source: ConsoleSource;
  clock: Clock;
  staticDir: string;
  /** Accounts and sessions (station/auth/): every /ws* and /api/* request needs a session. */
  auth: Auth;
  host?: string;
  port?: number;
  /** HTTPS with this certificate and key (PEM); the session cookie is then `Secure`. */
  tls?: { cert: string; key: string };
  /** More names this station is reached by (a DNS name of the LAN), accepted in Host and Origin. */
  publicNames?: string[];
  /** Where a request that failed inside the server is reported (it answers 500 and the station goes on). */
  log?: (line: string) => void;
  /** When the port is taken, serve on any free port instead of failing (`npm start` with no --port). */
  anyPortIfTaken?: boolean;
  /**
   * Open the TCP port (default true). false: no socket at all; the console is reached only in-process, by
   * `fetch` and `attach` (the desktop app's windows when no LAN console is wanted).
   */
  listen?: boolean;
  snapshotHz?: number;
  /** The day plan's directory, its files (sorties/<id>.plan …) served at /plan-files/; a function when it follows the station day. */
  planDir?: string | (() => string | undefined);
  /** Offline basemap served at /tiles/{z}/{x}/{y}. */
  tiles?: TileSource;
  /** Live video: frames on `/ws/video?drone=ID` (binary, common/video-wire.ts), status at /api/video. */
  video?: Pick<VideoHub, 'attach' | 'status' | 'setMode'>;
  /**
   * Janus for kiosks and the centre (station/video/janus.ts): GET /api/janus issues a token for Janus (one per
   * request) with the drones' mountpoints; 404 without Janus. Janus's API is relayed at /janus on this origin
   * (`apiUrl`: Janus's own, on loopback), so the console's CSP stays 'self' and Janus's HTTP port is never exposed;
   * the media goes from Janus to the viewer directly (WebRTC), never through the station.
   */
  janus?: { apiUrl: string; issue(): Promise<Result<JanusAccess>> };
  /** Alert pictures (station/video/alert-snapshot.ts) served at /api/snapshots/<file>. */
  snapshotsDir?: string;
  /**
   * Flight replay (station/replay/, contract "Flight replay"): the flights of DATA/tlogs at /api/flights and
   * /api/flights/<id>, their video (DATA/video) on `/ws/replay?flight=<id>`. `droneName` is the fleet's id of a
   * sysid (null when the fleet does not name it); `log` gets one line per tlog that cannot be read.
   */
  replay?: { dataDir: string; droneName(sysid: number): string | null; log?: (line: string) => void };
  /** The station's audit, served to reviewers and admins at GET /api/audit (contract "AuditResponse"). */
  audit?: { log: Pick<AuditLog, 'rows' | 'verify'> };
}

export interface ConsoleServer {
  /** The console's URL on the network, or the in-process `kongxun://app/` when it does not listen. */
  url: string;
  /** The TCP port; 0 when it does not listen. */
  port: number;
  /** Whether a TCP port is open. */
  listening: boolean;
  /**
   * The same request handling in-process, for the desktop app's `kongxun://app/` scheme: the HTTP guard (the
   * URL's host must be `app`, a state-changing request's Origin `kongxun://app`), the same routes and the same
   * session check. `session` is the token the caller vouches for (the desktop app's per-launch session, which
   * never reaches the page); without it the request's own cookie is checked, as over HTTP.
   */
  fetch(request: Request, o?: { session?: string; from?: string }): Promise<Response>;
  /** While the station has no account: the one-time URL on 127.0.0.1 that creates the first administrator. */
  setupUrl(): string | undefined;
  clients(): number;
  /** Serve a console over another transport (the desktop app's MessagePort); returns the detach. */
  attach(peer: ConsolePeer): () => void;
  /**
   * Serve recorded flights' video over another transport (the desktop app's replay port, replay-port.ts): the
   * same peer as `/ws/replay`, under the same check, for the session `token` (which the caller vouches for).
   * Returns the close.
   */
  attachReplay(end: ReplayPortEnd, token: string): () => void;
  close(): Promise<void>;
}

const TILE_MIME = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp' } as const;
const SWEEP_MS = 15_000;

export async function startConsoleServer(o: ConsoleServerOptions): Promise<Result<ConsoleServer>> {
  const host = o.host ?? '127.0.0.1';
  const tls = o.tls !== undefined;
  const auth = o.auth;
  const flights = o.replay ? new FlightCatalog(o.replay) : undefined;
  // Known once listening (the port may be chosen by the system).
  let names = siteNames(host, 0, tls, o.publicNames);
  /** The in-process scheme's one name and origin (fetch-adapter.ts). */
  const appNames: SiteNames = { hosts: new Set([APP_HOST]), origins: new Set([APP_ORIGIN]) };
  /** Requests that came in through `fetch` with a session the caller vouches for (never a header a page sets). */
  const vouched = new WeakMap<IncomingMessage, string>();

  const sessionOf = (req: IncomingMessage): { token: string; session: Session } | undefined => {
    const token = vouched.get(req) ?? sessionToken(req.headers.cookie);
    const session = auth.session(token);
    return token && session ? { token, session } : undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, target: RequestTarget, headers: Record<string, string>, site: SiteNames): Promise<void> => {
    const json = (code: number, body: unknown, extra: Record<string, string> = {}) => {
      const text = JSON.stringify(body);
      res.writeHead(code, { ...headers, ...extra, 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), 'cache-control': 'no-store' }).end(text);
    };
    const from = req.socket.remoteAddress ?? 'unknown';
    const { path } = target;
    const method = req.method ?? 'GET';
    const reading = method === 'GET' || method === 'HEAD';
    // A state-changing request from a browser names its page's origin: it must be ours (SameSite=Strict is the
    // other half against cross-site requests).
    if (!reading && req.headers.origin !== undefined && !originAllowed(req, site)) return refuse(res, 403, 'foreign origin', headers);

    if (PUBLIC_API.has(path)) {
      if (path === '/api/me') {
        const s = sessionOf(req);
        return s ? json(200, identity(s.session)) : json(401, { error: 'not signed in', setup: auth.needsSetup() });
      }
      if (reading) return refuse(res, 405, 'use POST', { ...headers, allow: 'POST' });
      if (path === '/api/logout') {
        // The desktop window's session is the app's, not the page's: it ends when the app quits.
        if (vouched.has(req)) return json(403, { error: 'the desktop window is signed in by the app; quit the app to sign out' });
        const token = sessionToken(req.headers.cookie);
        auth.signOut(token);
        for (const [ws, t] of sockets.tokens()) if (t === token) ws.close(4401, 'signed out');
        res.writeHead(204, { ...headers, 'set-cookie': clearedCookie(tls), 'cache-control': 'no-store' }).end();
        return;
      }
      const body = await readJsonBody(req);
      if (!body.ok) return json(body.code, { error: body.reason });
      const b = (body.value ?? {}) as Record<string, unknown>;
      if (path === '/api/setup') {
        const r = await auth.setup(b.token, b.user, b.password, req.socket.remoteAddress);
        if (!r.ok) return json(r.code === 'bad-request' ? 400 : 403, { error: r.reason });
        // Signed in as the pilot twin (the newcomer came to fly); `admin` names the administrator account.
        return json(200, { user: r.value.pilot.name, role: r.value.pilot.role, admin: r.value.account.name }, { 'set-cookie': sessionCookie(r.value.token, tls) });
      }
      const r = await auth.signIn(b.user, b.password, from);
      if (!r.ok) {
        const code = r.code === 'bad-request' ? 400 : r.code === 'bad-credentials' ? 401 : r.code === 'busy' ? 503 : 429;
        return json(code, { error: r.reason }, r.retryAfterS ? { 'retry-after': String(r.retryAfterS) } : {});
      }
      return json(200, { user: r.account.name, role: r.account.role }, { 'set-cookie': sessionCookie(r.token, tls) });
    }

    // Janus's API relayed on our origin is signed-in too (Janus checks its own token on top).
    const guarded = path.startsWith('/api/') || path.startsWith('/tiles/') || path.startsWith('/plan-files/') || path === '/janus' || path.startsWith('/janus/');
    const s = guarded ? sessionOf(req) : undefined;
    if (guarded && !s) return json(401, { error: 'not signed in' });

    if (path === '/api/users' || path.startsWith('/api/users/')) return serveUsers({ req, res, path, method, reading, headers, session: s!.session }, auth, json, closeEndedSockets);

    if (path === '/api/snapshot') return json(200, o.source.snapshot());
    if (path === FLIGHTS || path.startsWith(`${FLIGHTS}/`)) {
      if (!reading) return refuse(res, 405, 'use GET', { ...headers, allow: 'GET' });
      return serveFlights(flights, path, json);
    }
    if (path === '/api/janus') {
      if (!o.janus) return json(404, { error: 'this station runs no Janus (kongxun serve --janus)' });
      const issued = await o.janus.issue();
      return issued.ok ? json(200, { ...issued.value, url: '/janus' }) : json(503, { error: issued.reason });
    }
    if (o.janus && (path === '/janus' || path.startsWith('/janus/'))) return relayJanus(o.janus.apiUrl, req, res);
    const snap = /^\/api\/snapshots\/([^/]+)$/.exec(path);
    if (snap && o.snapshotsDir) {
      const file = snap[1]!;
      const at = join(o.snapshotsDir, file);
      if (!SNAPSHOT_NAME.test(file) || !existsSync(at)) return refuse(res, 404, 'not found', headers);
      res.writeHead(200, { ...headers, 'content-type': 'image/jpeg', 'cache-control': 'max-age=86400' });
      return void createReadStream(at).pipe(res);
    }
    if (path === '/api/audit') {
      if (!reading) return refuse(res, 405, 'use GET', { ...headers, allow: 'GET' });
      return serveAudit(o.audit?.log, auth.principal(s!.session, from, 'console'), req.url ?? '', res);
    }
    if (path === '/api/video') return json(200, o.video?.status() ?? []);
    if (path.startsWith('/api/')) return json(404, { error: `no such API: ${path}` });
    const t = /^\/tiles\/(\d{1,2})\/(\d{1,7})\/(\d{1,7})(\.\w+)?$/.exec(path);
    if (t) {
      const data = o.tiles?.tile(Number(t[1]), Number(t[2]), Number(t[3]));
      if (!data || !o.tiles) res.writeHead(204, { ...headers, 'cache-control': 'max-age=3600' }).end();
      else res.writeHead(200, { ...headers, 'content-type': TILE_MIME[o.tiles.info.format], 'cache-control': 'max-age=3600' }).end(data);
      return;
    }
    if (path.startsWith('/tiles/')) return refuse(res, 404, 'not found', headers);
    if (path.startsWith('/plan-files/')) {
      const planDir = typeof o.planDir === 'function' ? o.planDir() : o.planDir;
      if (!planDir) return refuse(res, 404, 'not found', headers);
      return serveStatic(planDir, path.slice('/plan-files'.length) || '/', res, headers);
    }
    if (!reading) return refuse(res, 405, 'use GET', { ...headers, allow: 'GET' });
    // The setup link opens the app shell, which shows the first-administrator form.
    serveStatic(o.staticDir, path === '/setup' ? '/' : path, res, headers);
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse, site: SiteNames = names, secure = tls) => {
    // The in-process scheme: no ws:// to name in the CSP (the desktop's console and video flow over ports).
    const headers = securityHeaders(site === names && typeof req.headers.host === 'string' ? req.headers.host : undefined, secure);
    const target = requestTarget(req.url);
    if (!target) return refuse(res, 400, 'bad request: the URL does not parse', headers);
    if (!hostAllowed(req, site)) return refuse(res, 403, 'unknown host: this station answers to its own names only', headers);
    handle(req, res, target, headers, site).catch((e: unknown) => {
      lastResort(`console: ${req.method} ${target.path}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      refuse(res, 500, 'internal error', headers);
    });
  };
  const lastResort = (line: string) => (o.log ?? ((l: string) => console.error(l)))(line);
  const http = o.tls ? createHttpsServer({ cert: o.tls.cert, key: o.tls.key }, (q, r) => onRequest(q, r)) : createServer((q, r) => onRequest(q, r));
  const inProcess = (request: Request, f: { session?: string; from?: string } = {}): Promise<Response> =>
    fetchThrough(
      (req, res) => {
        if (f.session !== undefined) vouched.set(req, f.session);
        // The scheme is secure to Chromium (registered so): no Strict-Transport-Security, it is not HTTPS.
        onRequest(req, res, appNames, false);
      },
      request,
      f.from ?? 'desktop',
    );
  // Malformed HTTP (bad request line, oversized headers): a 400, and the socket goes.
  http.on('clientError', (_e, socket: Duplex) => {
    if ((socket as Socket).writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });

  // Every console is a peer: a WebSocket, or a MessagePort of the desktop app (attach()). Same messages.
  const peers = new ConsolePeers(o.source, o.clock, flights, o.snapshotHz ?? 10);
  const sockets = consoleSockets({
    auth,
    names: () => names,
    sessionOf,
    welcome: peers.attach,
    video: o.video,
    replay: flights && o.replay ? { flights, dataDir: o.replay.dataDir } : undefined,
  });
  http.on('upgrade', sockets.upgrade);
  const replayDeps = { auth, replay: flights && o.replay ? { flights, dataDir: o.replay.dataDir } : undefined };
  /** The replay ports' closes: the server's close stops their streams too, as it terminates the sockets. */
  const replayPorts = new Set<() => void>();
  const attachReplay = (end: ReplayPortEnd, token: string) => {
    const close = serveReplayPort(replayDeps, end, token);
    const once = () => {
      replayPorts.delete(once);
      close();
    };
    replayPorts.add(once);
    return once;
  };
  /** Closes the sockets whose session ended; an open socket counts as activity (a screen that is on). */
  const closeEndedSockets = () => {
    for (const [ws, token] of sockets.tokens()) if (!auth.session(token)) ws.close(4401, 'session ended');
  };
  const sweepTimer = o.clock.setInterval(() => {
    closeEndedSockets();
    auth.sweep();
  }, SWEEP_MS);
  /** Everything but the HTTP server: the sweep, the consoles, the sockets, the desktop window's replay ports. */
  const closeServing = () => {
    o.clock.clearInterval(sweepTimer);
    peers.close();
    sockets.close();
    for (const c of [...replayPorts]) c();
  };

  const listen = (port: number) =>
    new Promise<Result<number>>((resolve) => {
      const onError = (e: NodeJS.ErrnoException) =>
        resolve(
          err(
            e.code === 'EADDRINUSE' ? 'port-in-use' : 'listen-failed',
            e.code === 'EADDRINUSE'
              ? `console: ${host}:${port} is already in use (choose another with --port)`
              : `console: cannot listen on ${host}:${port}: ${e.message}`,
          ),
        );
      http.once('error', onError);
      http.listen(port, host, () => {
        http.off('error', onError);
        resolve(ok((http.address() as AddressInfo).port));
      });
    });
  if (o.listen === false) {
    return ok({
      url: `${APP_ORIGIN}/`,
      port: 0,
      listening: false,
      // The first-administrator link needs a browser on this machine, hence the port; `kongxun users add` works without.
      setupUrl: () => undefined,
      fetch: inProcess,
      clients: () => peers.size,
      attach: peers.attach,
      attachReplay,
      close: async () => closeServing(),
    });
  }
  let listening = await listen(o.port ?? 8080);
  if (!listening.ok && listening.code === 'port-in-use' && o.anyPortIfTaken) listening = await listen(0);
  if (!listening.ok) {
    closeServing();
    return listening;
  }
  const port = listening.value;
  names = siteNames(host, port, tls, o.publicNames);
  const scheme = tls ? 'https' : 'http';
  const wildcard = host === '0.0.0.0' || host === '::';
  const urlHost = wildcard ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  // The setup link works only where 127.0.0.1 reaches this server (loopback or a wildcard bind).
  const loopbackServed = wildcard || host === 'localhost' || /^127\./.test(host) || host === '::1';
  return ok({
    url: `${scheme}://${urlHost}:${port}/`,
    port,
    listening: true,
    fetch: inProcess,
    setupUrl: () => {
      const token = loopbackServed ? auth.setupTokenIfNeeded() : undefined;
      return token ? `${scheme}://127.0.0.1:${port}/setup?token=${token}` : undefined;
    },
    clients: () => peers.size,
    attach: peers.attach,
    attachReplay,
    close: async () => {
      closeServing();
      http.closeAllConnections?.();
      await new Promise<void>((r) => http.close(() => r()));
    },
  });
}

