/**
 * The console server: serves the bundled renderer over HTTP and the station's live state over WebSocket
 * (`/ws`): a `hello` with the station's geography, ~10 Hz snapshots, discrete events, and command results.
 * Flight replay (station/replay/): the recorded flights at `/api/flights[/<id>]`, their video on `/ws/replay`.
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
import { RecentEvents } from '../vehicle/event-flood.js';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { extname, join, normalize } from 'node:path';
import { APP_HOST, APP_ORIGIN, fetchThrough } from './fetch-adapter.js';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Clock } from '../../mavlink/clock.js';
import { err, ok, type Result } from '../../mavlink/result.js';
import type { ActualMessage, AuditResponse, ClientMessage, FlightSummary, Override, PlanMessage, ServerMessage, StationEvent, StationSnapshot, UploadProgress, UploadResult, VehicleCommand } from '../api/contract.js';
import type { TileSource } from './mbtiles.js';
import type { VideoHub, VideoPeer } from '../video/hub.js';
import type { JanusAccess } from '../video/janus.js';
import { SNAPSHOT_NAME } from '../video/alert-snapshot.js';
import { parseVideoMode } from '../video/wire.js';
import { FlightCatalog } from '../replay/flights.js';
import { serveReplay } from '../replay/video.js';
import { principalRole, type Principal } from '../gateway/principal.js';
import { may } from '../gateway/rights.js';
import type { AuditLog } from '../gateway/audit.js';
import { clearedCookie, sessionCookie, sessionToken, type Auth, type Session } from '../auth/auth.js';
import type { Account } from '../auth/users.js';
import {
  hostAllowed,
  originAllowed,
  readJsonBody,
  refuse,
  requestTarget,
  securityHeaders,
  siteNames,
  WS_MAX_CONSOLE_MESSAGE,
  WS_MAX_CONTROL_MESSAGE,
  type RequestTarget,
  type SiteNames,
} from './http-guard.js';

export interface ConsoleSource {
  hello(): Extract<ServerMessage, { type: 'hello' }>;
  snapshot(): StationSnapshot;
  onEvent(cb: (e: StationEvent) => void): () => void;
  /** A command from a console; `who` is the console's principal (station/gateway/principal.ts); `override` a pilot's. */
  command(sysid: number, cmd: VehicleCommand, who: Principal, override?: Override): Promise<{ ok: boolean; result: string; reason: string }>;
  /** Upload a mission file to a drone, reporting progress; absent when the station has no mission service. */
  upload?(sysid: number, name: string, text: string, onProgress: (p: Omit<UploadProgress, 'type' | 'requestId'>) => void, who: Principal, override?: Override): Promise<Omit<UploadResult, 'type' | 'requestId'>>;
  /** The day plan the station was started with, sent after `hello`. */
  plan?(): PlanMessage | null;
  /** What happened today (the runner's records, the flights in the tlogs: `flights` is the replay catalogue's
   * list), sent after the plan and again when it changes. */
  actual?(flights: readonly FlightSummary[]): ActualMessage | null;
  /** "Go and look here" from a console (unchecked fields: the source checks them and the console's role). */
  look?(req: unknown, who: Principal): Promise<{ ok: boolean; id: string | null; reason: string }>;
}

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
  /** The day plan's directory, its files (sorties/<id>.plan …) served at /plan-files/. */
  planDir?: string;
  /** Offline basemap served at /tiles/{z}/{x}/{y}. */
  tiles?: TileSource;
  /** Live video: frames on `/ws/video?drone=ID` (binary, station/video/wire.ts), status at /api/video. */
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

/** One console over any transport: text frames of the contract's JSON messages each way. */
export interface ConsolePeer {
  /** Who this console is: the signed-in user of its session (or the desktop app's own window). */
  who: Principal;
  send(text: string): void;
  onMessage(cb: (text: string) => void): () => void;
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
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.plan': 'application/json',
  '.waypoints': 'text/plain; charset=utf-8',
  '.geojson': 'application/geo+json',
};

/** How often what happened today (`actual`) is looked at again, and sent when it changed. */
const ACTUAL_EVERY_MS = 3000;
/** Events replayed to a console that connects later: this many of each severity. */
const RECENT_EVENTS = 50;
const TILE_MIME = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp' } as const;

function serveStatic(dir: string, path: string, res: ServerResponse, headers: Record<string, string>): void {
  const rel = normalize(path === '/' ? '/index.html' : path).replace(/^([/\\])+/, '');
  const file = join(dir, rel);
  if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) return refuse(res, 404, 'not found', headers);
  res.writeHead(200, { ...headers, 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}

/** An override as the contract says (a reason string), or undefined; anything else is dropped (no override). */
function overrideOf(m: { override?: unknown }): Override | undefined {
  const o = m.override as { reason?: unknown } | undefined;
  return o && typeof o === 'object' && typeof o.reason === 'string' ? { reason: o.reason.slice(0, 1000) } : undefined;
}

function parseClientMessage(text: string): ClientMessage | undefined {
  try {
    const m = JSON.parse(text) as ClientMessage;
    // A 'look' names no drone (the station picks it); its fields are checked by the source.
    if (m && m.type === 'look' && typeof m.requestId === 'string' && m.requestId.length <= 100) return m;
    if (!m || !('sysid' in m) || typeof m.sysid !== 'number' || typeof m.requestId !== 'string') return undefined;
    if (m.type === 'command') return m;
    if (m.type === 'upload' && typeof m.name === 'string' && typeof m.text === 'string') return m;
  } catch {
    /* malformed input from a client is ignored, not fatal */
  }
  return undefined;
}

const FLIGHTS = '/api/flights';

/** GET /api/flights → FlightSummary[]; GET /api/flights/<id> → FlightDetail, or 404 { error } naming the id. */
async function serveFlights(catalog: FlightCatalog | undefined, path: string, json: (code: number, body: unknown) => void): Promise<void> {
  if (!catalog) return json(404, { error: 'flight replay is not available on this station' });
  try {
    if (path === FLIGHTS) return json(200, await catalog.list());
    // The id (already decoded) is only ever matched against the listed flights: it never becomes a path.
    const id = path.slice(FLIGHTS.length + 1);
    const detail = await catalog.detail(id);
    return detail ? json(200, detail) : json(404, { error: `unknown flight "${id}"` });
  } catch (e) {
    return json(500, { error: `flights: ${String(e)}` });
  }
}

const identity = (s: Session) => ({ user: s.user, role: s.role, ...(s.desktop ? { desktop: true } : {}) });
const userView = (a: Account) => ({ user: a.name, role: a.role, disabled: a.disabled, createdMs: a.createdMs, updatedMs: a.updatedMs });
/** Paths anyone may load: the app shell (its page, scripts, styles, images) and the sign-in endpoints. */
const PUBLIC_API = new Set(['/api/login', '/api/logout', '/api/me', '/api/setup']);
const SWEEP_MS = 15_000;

/** GET /api/audit for a principal with the audit right (reviewer, admin): rows filtered as the query says. */
function serveAudit(log: Pick<AuditLog, 'rows' | 'verify'> | undefined, who: Principal, url: string, res: ServerResponse): void {
  const json = (code: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' }).end(text);
  };
  const role = principalRole(who);
  if (!may(role, 'audit')) return json(403, { error: `the audit is for reviewers and admins; ${role} may not read it` });
  if (!log) return json(404, { error: 'this station keeps no audit' });
  let q: URLSearchParams;
  try {
    q = new URL(url, 'http://x').searchParams;
  } catch {
    return json(400, { error: 'malformed query' });
  }
  const since = q.get('since');
  let sinceMs: number | undefined;
  if (since !== null && since !== '') {
    sinceMs = /^\d+$/.test(since) ? Number(since) : Date.parse(since);
    if (!Number.isFinite(sinceMs)) return json(400, { error: `since "${since.slice(0, 40)}" is neither a time nor Unix ms` });
  }
  const limitText = q.get('limit');
  const limit = limitText === null ? 500 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 5000) return json(400, { error: 'limit must be an integer from 1 to 5000' });
  const drone = q.get('drone') || undefined;
  const user = q.get('user') || undefined;
  try {
    const rows = log.rows({ ...(sinceMs !== undefined ? { sinceMs } : {}), ...(drone ? { drone } : {}), ...(user ? { user } : {}), limit });
    const body: AuditResponse = { rows: rows.map(({ prev: _p, ...r }) => r), verify: q.get('verify') === '1' ? log.verify() : null };
    return json(200, body);
  } catch (e) {
    return json(500, { error: `audit: ${String(e)}` });
  }
}

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

  /** Open sockets by session token, so a sign-out or a disabled account closes them at once. */
  const sockets = new Map<WebSocket, string>();

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
        for (const [ws, t] of sockets) if (t === token) ws.close(4401, 'signed out');
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

    if (path === '/api/users' || path.startsWith('/api/users/')) {
      if (s!.session.role !== 'admin') return json(403, { error: 'only an administrator manages users' });
      if (path === '/api/users') {
        if (reading) return json(200, auth.users.list().map(userView));
        if (method !== 'POST') return refuse(res, 405, 'use GET or POST', { ...headers, allow: 'GET, POST' });
        const body = await readJsonBody(req);
        if (!body.ok) return json(body.code, { error: body.reason });
        const b = (body.value ?? {}) as Record<string, unknown>;
        const added = await auth.addUser(b.user, b.role, b.password);
        return added.ok ? json(200, userView(added.value)) : json(added.code === 'exists' ? 409 : 400, { error: added.reason });
      }
      if (method !== 'POST') return refuse(res, 405, 'use POST', { ...headers, allow: 'POST' });
      const name = path.slice('/api/users/'.length);
      if (!auth.users.get(name)) return json(404, { error: `no user "${name}"` });
      const body = await readJsonBody(req);
      if (!body.ok) return json(body.code, { error: body.reason });
      const b = (body.value ?? {}) as Record<string, unknown>;
      if (b.role === undefined && b.disabled === undefined && b.password === undefined) return json(400, { error: 'give role, disabled or password' });
      if (b.disabled !== undefined && typeof b.disabled !== 'boolean') return json(400, { error: 'disabled must be true or false' });
      if (b.role !== undefined) {
        const r = auth.setRole(name, b.role);
        if (!r.ok) return json(r.code === 'last-admin' ? 409 : 400, { error: r.reason });
      }
      if (b.disabled !== undefined) {
        const r = auth.setDisabled(name, b.disabled as boolean);
        if (!r.ok) return json(r.code === 'last-admin' ? 409 : 400, { error: r.reason });
      }
      if (b.password !== undefined) {
        const r = await auth.setPassword(name, b.password);
        if (!r.ok) return json(400, { error: r.reason });
      }
      closeEndedSockets();
      return json(200, userView(auth.users.get(name)!));
    }

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
      if (!o.planDir) return refuse(res, 404, 'not found', headers);
      return serveStatic(o.planDir, path.slice('/plan-files'.length) || '/', res, headers);
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

  // The console socket takes mission uploads; the video and replay sockets only small controls.
  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_CONSOLE_MESSAGE });
  const wssControl = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_CONTROL_MESSAGE });
  const refuseUpgrade = (socket: Duplex, code: number, text: string) => {
    if ((socket as Socket).writable) socket.end(`HTTP/1.1 ${code} ${text}\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
    else socket.destroy();
  };
  const track = (ws: WebSocket, token: string) => {
    sockets.set(ws, token);
    ws.on('close', () => sockets.delete(ws));
  };
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    // Everything is checked before the handshake completes: no message of a refused socket is ever read.
    const target = requestTarget(req.url);
    if (!target) return refuseUpgrade(socket, 400, 'Bad Request');
    if (!hostAllowed(req, names)) return refuseUpgrade(socket, 403, 'Forbidden');
    if (!originAllowed(req, names)) return refuseUpgrade(socket, 403, 'Forbidden');
    const signed = sessionOf(req);
    if (!signed) return refuseUpgrade(socket, 401, 'Unauthorized');
    const { path, query } = target;
    // Video has its own socket so telemetry never queues behind a keyframe.
    if (path === '/ws/video' && o.video) {
      const video = o.video;
      const drones = query.getAll('drone').slice(0, 64);
      return wssControl.handleUpgrade(req, socket, head, (ws) => {
        ws.on('error', () => ws.terminate());
        track(ws, signed.token);
        const peer: VideoPeer = { sendBinary: (b) => ws.readyState === ws.OPEN && ws.send(b, { binary: true }), sendText: (t) => ws.readyState === ws.OPEN && ws.send(t), buffered: () => ws.bufferedAmount };
        // `&mode=preview`: the wall's tiles not in focus (sub-stream or keyframes only); switched later by text.
        const detach = video.attach(peer, drones.length > 0 ? drones : null, query.get('mode') === 'preview' ? drones : []);
        ws.on('message', (data, isBinary) => {
          const m = isBinary ? undefined : parseVideoMode(String(data));
          if (m) video.setMode(peer, m.drone, m.mode);
        });
        ws.on('close', detach);
      });
    }
    // Replay of a recorded flight's video: controls in, frames and status out (station/replay/video.ts).
    if (path === '/ws/replay' && flights && o.replay) {
      const flight = query.get('flight') ?? '';
      const videoDir = join(o.replay.dataDir, 'video');
      return wssControl.handleUpgrade(req, socket, head, (ws) => {
        ws.on('error', () => ws.terminate());
        track(ws, signed.token);
        const replay = serveReplay(flights, videoDir, flight, {
          sendBinary: (b) => ws.readyState === ws.OPEN && ws.send(b, { binary: true }),
          sendText: (t) => ws.readyState === ws.OPEN && ws.send(t),
          buffered: () => ws.bufferedAmount,
          close: (code, reason) => ws.close(code, reason),
        });
        ws.on('message', (data, isBinary) => !isBinary && replay.control(String(data)));
        ws.on('close', () => replay.close());
      });
    }
    if (path !== '/ws') return refuseUpgrade(socket, 404, 'Not Found');
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => ws.terminate());
      track(ws, signed.token);
      const leave = welcome({
        who: auth.principal(signed.session, req.socket.remoteAddress ?? 'unknown', 'console'),
        send: (text) => ws.readyState === ws.OPEN && ws.send(text),
        onMessage: (cb) => {
          const h = (data: unknown, isBinary: boolean) => {
            if (isBinary) return;
            // A command keeps the session alive (the idle timer); an ended session's socket is closed.
            if (!auth.session(signed.token)) return ws.close(4401, 'session ended');
            cb(String(data));
          };
          ws.on('message', h);
          return () => ws.off('message', h);
        },
      });
      ws.on('close', leave);
    });
  });
  /** Closes the sockets whose session ended; an open socket counts as activity (a screen that is on). */
  const closeEndedSockets = () => {
    for (const [ws, token] of sockets) if (!auth.session(token)) ws.close(4401, 'session ended');
  };
  const sweepTimer = o.clock.setInterval(() => {
    closeEndedSockets();
    auth.sweep();
  }, SWEEP_MS);

  // Every console is a peer: a WebSocket, or a MessagePort of the desktop app (attach()). Same messages.
  const peers = new Set<ConsolePeer>();
  let lastActual = '';
  const actualText = async (): Promise<string | null> => {
    if (!o.source.actual) return null;
    const list = flights ? await flights.list().catch(() => [] as FlightSummary[]) : [];
    const m = o.source.actual(list);
    return m ? JSON.stringify(m) : null;
  };
  const welcome = (peer: ConsolePeer): (() => void) => {
    const sendTo = (m: ServerMessage) => peer.send(JSON.stringify(m));
    const who = peer.who;
    sendTo({ ...o.source.hello(), ...(who.kind === 'user' ? { who: { user: who.user, role: who.role, ...(who.via === 'desktop' ? { desktop: true } : {}) } } : {}) });
    const plan = o.source.plan?.();
    if (plan) sendTo(plan);
    sendTo(o.source.snapshot());
    void actualText().then((text) => text !== null && peer.send(text));
    // A console opened later (the wall screen, a kiosk) still sees what happened recently.
    for (const event of recent.list()) sendTo({ type: 'event', event });
    peers.add(peer);
    const off = peer.onMessage((text) => {
      const m = parseClientMessage(text);
      if (!m) return;
      if (m.type === 'look') {
        const { type: _t, requestId, ...req } = m;
        const done = (r: { ok: boolean; id: string | null; reason: string }) => sendTo({ type: 'look-result', requestId, ...r });
        if (!o.source.look) return done({ ok: false, id: null, reason: 'this station has no dispatcher' });
        o.source
          .look(req, peer.who)
          .then(done)
          .catch((e: unknown) => done({ ok: false, id: null, reason: String(e) }));
        return;
      }
      if (m.type === 'upload') {
        const { requestId } = m;
        const done = (r: Omit<UploadResult, 'type' | 'requestId'>) => sendTo({ type: 'upload-result', requestId, ...r });
        if (!o.source.upload) return done({ ok: false, count: 0, verifiedBy: null, reason: 'this station has no mission transfer service' });
        o.source
          .upload(m.sysid, m.name, m.text, (p) => sendTo({ type: 'upload-progress', requestId, ...p }), peer.who, overrideOf(m))
          .then(done)
          .catch((e: unknown) => done({ ok: false, count: 0, verifiedBy: null, reason: String(e) }));
        return;
      }
      const { type: _t, requestId, sysid, override: _o, ...cmd } = m;
      o.source
        .command(sysid, cmd as VehicleCommand, peer.who, overrideOf(m))
        .then((r) => sendTo({ type: 'result', requestId, ...r }))
        .catch((e: unknown) => sendTo({ type: 'result', requestId, ok: false, result: 'error', reason: String(e) }));
    });
    return () => {
      off();
      peers.delete(peer);
    };
  };
  const broadcast = (m: ServerMessage) => {
    const text = JSON.stringify(m);
    for (const p of peers) p.send(text);
  };
  const recent = new RecentEvents(RECENT_EVENTS);
  const offEvent = o.source.onEvent((event) => {
    recent.add(event);
    broadcast({ type: 'event', event });
  });
  const timer = o.clock.setInterval(() => {
    if (peers.size > 0) broadcast(o.source.snapshot());
  }, 1000 / (o.snapshotHz ?? 10));
  let actualBusy = false;
  const actualTimer = o.clock.setInterval(() => {
    if (peers.size === 0 || actualBusy) return;
    actualBusy = true;
    void actualText()
      .then((text) => {
        if (text === null || text === lastActual) return;
        lastActual = text;
        for (const p of peers) p.send(text);
      })
      .finally(() => (actualBusy = false));
  }, ACTUAL_EVERY_MS);

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
      attach: welcome,
      close: async () => {
        o.clock.clearInterval(timer);
        o.clock.clearInterval(sweepTimer);
        o.clock.clearInterval(actualTimer);
        offEvent();
        wss.close();
        wssControl.close();
      },
    });
  }
  let listening = await listen(o.port ?? 8080);
  if (!listening.ok && listening.code === 'port-in-use' && o.anyPortIfTaken) listening = await listen(0);
  if (!listening.ok) {
    o.clock.clearInterval(timer);
    o.clock.clearInterval(sweepTimer);
    o.clock.clearInterval(actualTimer);
    offEvent();
    wss.close();
    wssControl.close();
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
    attach: welcome,
    close: async () => {
      o.clock.clearInterval(timer);
      o.clock.clearInterval(sweepTimer);
      o.clock.clearInterval(actualTimer);
      offEvent();
      for (const c of wss.clients) c.terminate();
      for (const c of wssControl.clients) c.terminate();
      wss.close();
      wssControl.close();
      http.closeAllConnections?.();
      await new Promise<void>((r) => http.close(() => r()));
    },
  });
}

/**
 * Janus's HTTP API relayed on the console's origin (GET long polls and POST requests, bodies ≤ 64 KiB): Janus
 * checks the token itself. Janus's base path is /janus too, so the path goes on unchanged.
 */
function relayJanus(apiUrl: string, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'POST') return void res.writeHead(405, { allow: 'GET, POST' }).end();
  const target = new URL(req.url ?? '/janus', apiUrl);
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size > 65_536) {
      res.writeHead(413).end();
      req.destroy();
    } else chunks.push(c);
  });
  req.on('end', () => {
    if (res.headersSent) return;
    const up = httpRequest(target, { method: req.method, headers: { 'content-type': 'application/json' } }, (r) => {
      res.writeHead(r.statusCode ?? 502, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      r.pipe(res);
    });
    up.on('error', (e) => !res.headersSent && res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ janus: 'error', error: { code: 502, reason: `janus: ${e.message}` } })));
    res.on('close', () => up.destroy());
    up.end(Buffer.concat(chunks));
  });
}
