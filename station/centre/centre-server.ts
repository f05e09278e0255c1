/**
 * The centre's web console (`kongxun centre`): one page (centre-page.ts), a WebSocket that pushes what the
 * broker brings, and a small JSON API, on 127.0.0.1 by default. It signs in like the station's console: the same
 * accounts and roles (station/auth/, DATA/users.sqlite; `kongxun users … --data DIR`), the same session
 * cookie, the same HTTP surface checks (station/server/http-guard.ts: Host one of the console's own names,
 * Origin ours on a state-changing request and on the WebSocket upgrade, a URL that decodes, security headers).
 *
 *   GET  /, /centre.js     the page and its script (public: the page shows the sign-in form without a session)
 *   GET  /leaflet/*        Leaflet from the installed package (no network)
 *   GET  /api/me           who is signed in (401 without a session)
 *   POST /api/login        { user, password } → the session cookie;   POST /api/logout
 *   GET  /api/state        the centre's view: stations, fleets, alerts, requests and their answers
 *   WS   /ws               the view on connect, then each change as it arrives from the broker:
 *                          { t: 'view', view } and { t: 'update', connected, stations?, removed?, alerts?, requests? }
 *   POST /api/ack          { key }                    acknowledge an alert            (the 'alert' right)
 *   POST /api/dispatch     { station | "nearest", latDeg, lonDeg, radiusM, priority, holdS, text } (the 'dispatch' right)
 *   POST /api/instruct     { station, text }          an instruction for a station's desk (the 'instruct' right)
 *   GET  /api/picture/<station>/<file>   an alert's picture (JPEG) as the station sent it (signed in)
 *   POST /api/video        { station, drone }         ask the station for the drone's live video: its Janus answers (signed in)
 *
 * Who acted is the session's user (never a name typed into the page). Bodies are bounded (16 KiB) and
 * schema-checked. The rights are the station's table (station/gateway/rights.ts): a viewer watches.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { dirname, join } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Clock } from '../../common/clock.js';
import { err, ok, type Result } from '../../common/result.js';
import { clearedCookie, sessionCookie, sessionToken, type Auth, type Session } from '../auth/auth.js';
import { may, type Action } from '../gateway/rights.js';
import { nodeRequire } from '../node-require.js';
import { WS_MAX_CONTROL_MESSAGE, hostAllowed, originAllowed, readJsonBody, refuse, requestTarget, securityHeaders, siteNames, type RequestTarget } from '../server/http-guard.js';
import type { AlertView, Centre, RequestView, StationView } from './centre.js';
import { CENTRE_PAGE, CENTRE_SCRIPT } from './centre-page.js';
import { check, type Schema } from './schema.js';

export interface CentreServer { url: string; port: number; close(): Promise<void> }

export interface CentreServerOptions {
  centre: Centre;
  auth: Auth;
  clock: Clock;
  host?: string;
  port?: number;
  /** Extra names the console answers to (as `kongxun serve --public-name`). */
  publicNames?: string[];
  log?: (line: string) => void;
}

/** What the WebSocket pushes (the page merges `update` into its view by station id). */
export type CentrePush =
  | { t: 'view'; view: ReturnType<Centre['view']> }
  | { t: 'update'; connected: boolean; stations?: StationView[]; removed?: string[]; alerts?: AlertView[]; requests?: RequestView[] };

const STATION: Schema = { type: 'string', pattern: '^([A-Za-z0-9_-]{1,64})$' };
const ACK: Schema = { type: 'object', additionalProperties: false, required: ['key'], properties: { key: { type: 'string', maxLength: 200 } } };
const DISPATCH_IN: Schema = {
  type: 'object', additionalProperties: false, required: ['station', 'latDeg', 'lonDeg', 'radiusM', 'priority', 'holdS'],
  properties: { station: STATION, latDeg: { type: 'number', minimum: -90, maximum: 90 }, lonDeg: { type: 'number', minimum: -180, maximum: 180 }, radiusM: { type: 'number', minimum: 0, maximum: 500 }, priority: { type: 'integer', minimum: 0, maximum: 10 }, holdS: { type: 'number', minimum: 0, maximum: 3600 }, text: { type: 'string', maxLength: 500 } },
};
const VIDEO_IN: Schema = { type: 'object', additionalProperties: false, required: ['station', 'drone'], properties: { station: STATION, drone: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } } };
const INSTRUCT_IN: Schema = { type: 'object', additionalProperties: false, required: ['station', 'text'], properties: { station: STATION, text: { type: 'string', minLength: 1, maxLength: 1000 } } };

const LEAFLET: Record<string, string> = { 'leaflet.js': 'text/javascript', 'leaflet.css': 'text/css', 'images/marker-icon.png': 'image/png', 'images/marker-icon-2x.png': 'image/png', 'images/marker-shadow.png': 'image/png', 'images/layers.png': 'image/png', 'images/layers-2x.png': 'image/png' };
/** A socket this far behind gets no more updates until it drains, then the whole view again. */
const WS_BEHIND_BYTES = 2 * 1024 * 1024;
const SWEEP_MS = 15_000;

export async function startCentreServer(o: CentreServerOptions): Promise<Result<CentreServer>> {
  const host = o.host ?? '127.0.0.1';
  const auth = o.auth;
  const leafletDir = dirname(nodeRequire().resolve('leaflet/dist/leaflet.js'));
  let names = siteNames(host, 0, false, o.publicNames);
  const identity = (s: Session) => ({ user: s.user, role: s.role, rights: (['dispatch', 'alert', 'instruct'] as Action[]).filter((a) => may(s.role, a)) });

  const sessionOf = (req: IncomingMessage): { token: string; session: Session } | undefined => {
    const token = sessionToken(req.headers.cookie);
    const session = auth.session(token);
    return token && session ? { token, session } : undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, target: RequestTarget, headers: Record<string, string>): Promise<void> => {
    const json = (code: number, body: unknown, extra: Record<string, string> = {}) => {
      const text = JSON.stringify(body);
      res.writeHead(code, { ...headers, ...extra, 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), 'cache-control': 'no-store' }).end(text);
    };
    const { path } = target;
    const method = req.method ?? 'GET';
    const reading = method === 'GET' || method === 'HEAD';
    // A state-changing request from a browser names its page's origin: it must be ours (SameSite=Strict is the
    // other half against cross-site requests).
    if (!reading && req.headers.origin !== undefined && !originAllowed(req, names)) return refuse(res, 403, 'foreign origin', headers);

    if (reading && (path === '/' || path === '/centre.js')) {
      const page = path === '/';
      // connect-src: a drone's video is played from the station's own Janus, whose address the station's answer names.
      if (page) headers = { ...headers, 'content-security-policy': headers['content-security-policy']!.replace(/connect-src ([^;]*)/, 'connect-src $1 http: https:') };
      res.writeHead(200, { ...headers, 'content-type': page ? 'text/html; charset=utf-8' : 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
      return void res.end(page ? CENTRE_PAGE : CENTRE_SCRIPT);
    }
    const lf = path.startsWith('/leaflet/') ? path.slice('/leaflet/'.length) : null;
    if (reading && lf !== null && Object.hasOwn(LEAFLET, lf)) {
      res.writeHead(200, { ...headers, 'content-type': LEAFLET[lf]!, 'cache-control': 'max-age=3600' });
      return void res.end(await readFile(join(leafletDir, lf)));
    }
    if (path === '/api/me') {
      const s = sessionOf(req);
      return s ? json(200, identity(s.session)) : json(401, { error: 'not signed in', setup: auth.needsSetup() });
    }
    if (path === '/api/login' || path === '/api/logout') {
      if (reading) return refuse(res, 405, 'use POST', { ...headers, allow: 'POST' });
      if (path === '/api/logout') {
        const token = sessionToken(req.headers.cookie);
        auth.signOut(token);
        for (const [ws, t] of sockets) if (t === token) ws.close(4401, 'signed out');
        res.writeHead(204, { ...headers, 'set-cookie': clearedCookie(false), 'cache-control': 'no-store' }).end();
        return;
      }
      const body = await readJsonBody(req);
      if (!body.ok) return json(body.code, { error: body.reason });
      const b = (body.value ?? {}) as Record<string, unknown>;
      const r = await auth.signIn(b.user, b.password, req.socket.remoteAddress ?? 'unknown');
      if (!r.ok) {
        const code = r.code === 'bad-request' ? 400 : r.code === 'bad-credentials' ? 401 : r.code === 'busy' ? 503 : 429;
        return json(code, { error: r.reason }, r.retryAfterS ? { 'retry-after': String(r.retryAfterS) } : {});
      }
      return json(200, { user: r.account.name, role: r.account.role }, { 'set-cookie': sessionCookie(r.token, false) });
    }
    if (!path.startsWith('/api/')) return refuse(res, 404, 'not found', headers);
    const signed = sessionOf(req);
    if (!signed) return json(401, { error: 'not signed in' });
    const who = signed.session.user;
    if (path === '/api/state') return reading ? json(200, o.centre.view()) : refuse(res, 405, 'use GET', { ...headers, allow: 'GET' });
    const pic = /^\/api\/picture\/([A-Za-z0-9_-]{1,64})\/([A-Za-z0-9_.-]{1,100})$/.exec(path);
    if (pic) {
      if (!reading) return refuse(res, 405, 'use GET', { ...headers, allow: 'GET' });
      const p = o.centre.picture(pic[1]!, pic[2]!);
      if (!p) return json(404, { error: 'no such picture (not arrived, or no longer kept)' });
      res.writeHead(200, { ...headers, 'content-type': 'image/jpeg', 'content-length': p.jpeg.length, 'cache-control': 'private, max-age=3600' });
      return void res.end(p.jpeg);
    }
    if (path === '/api/video') {
      if (method !== 'POST') return refuse(res, 405, 'use POST', { ...headers, allow: 'POST' });
      const body = await readJsonBody(req);
      if (!body.ok) return json(body.code === 413 ? 400 : body.code, { error: body.reason });
      const x = (body.value ?? {}) as Record<string, unknown>;
      const c = check(VIDEO_IN, x);
      if (!c.ok) return json(400, { error: c.reason });
      if (!o.centre.station(x.station as string)) return json(404, { error: `no station ${x.station as string}` });
      const r = o.centre.requestVideo(x.station as string, x.drone as string, who);
      return r.ok ? json(200, { id: r.value }) : json(503, { error: r.reason });
    }
    const right: Action | undefined = ({ '/api/ack': 'alert', '/api/dispatch': 'dispatch', '/api/instruct': 'instruct' } as Record<string, Action>)[path];
    if (!right) return json(404, { error: `no such API: ${path}` });
    if (method !== 'POST') return refuse(res, 405, 'use POST', { ...headers, allow: 'POST' });
    if (!may(signed.session.role, right)) return json(403, { error: `${who} (${signed.session.role}) may not do this: ${right}` });
    const body = await readJsonBody(req);
    if (!body.ok) return json(body.code === 413 ? 400 : body.code, { error: body.reason });
    const x = (body.value ?? {}) as Record<string, unknown>;
    if (path === '/api/ack') {
      const c = check(ACK, x);
      if (!c.ok) return json(400, { error: c.reason });
      const r = o.centre.ack(x.key as string, who);
      return r.ok ? json(200, { ok: true }) : json(404, { error: r.reason });
    }
    if (path === '/api/dispatch') {
      const c = check(DISPATCH_IN, x);
      if (!c.ok) return json(400, { error: c.reason });
      let station = x.station as string;
      if (station === 'nearest') {
        const n = o.centre.nearestStation(x.latDeg as number, x.lonDeg as number);
        if (!n) return json(409, { error: 'no online station has a drone with a known position' });
        station = n.station;
      } else if (!o.centre.station(station)) return json(404, { error: `no station ${station}` });
      const r = o.centre.dispatch(station, { latDeg: x.latDeg as number, lonDeg: x.lonDeg as number, radiusM: x.radiusM as number, priority: x.priority as number, holdS: x.holdS as number, text: (x.text as string | undefined) ?? '' }, who);
      return r.ok ? json(200, { id: r.value, station }) : json(503, { error: r.reason });
    }
    const c = check(INSTRUCT_IN, x);
    if (!c.ok) return json(400, { error: c.reason });
    if (!o.centre.station(x.station as string)) return json(404, { error: `no station ${x.station as string}` });
    const r = o.centre.instruct(x.station as string, x.text as string, who);
    return r.ok ? json(200, { id: r.value }) : json(503, { error: r.reason });
  };

  const server = createServer((req, res) => {
    const headers = securityHeaders(typeof req.headers.host === 'string' ? req.headers.host : undefined, false);
    const target = requestTarget(req.url);
    if (!target) return refuse(res, 400, 'bad request: the URL does not parse', headers);
    // Only this console's own names: a DNS-rebinding page names another host.
    if (!hostAllowed(req, names)) return refuse(res, 421, 'unknown host: this console answers to its own names only', headers);
    handle(req, res, target, headers).catch((e: unknown) => {
      (o.log ?? ((l: string) => console.error(l)))(`centre console: ${req.method} ${target.path}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      refuse(res, 500, 'internal error', headers);
    });
  });
  server.on('clientError', (_e, socket: Duplex) => {
    if ((socket as Socket).writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });

  // The push socket: the page only receives; what it sends is ignored (and bounded).
  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_CONTROL_MESSAGE });
  const sockets = new Map<WebSocket, string>();
  const behind = new Set<WebSocket>();
  const refuseUpgrade = (socket: Duplex, code: number, text: string) => {
    if ((socket as Socket).writable) socket.end(`HTTP/1.1 ${code} ${text}\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
    else socket.destroy();
  };
  const sendTo = (ws: WebSocket, m: CentrePush) => {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > WS_BEHIND_BYTES) return void behind.add(ws);
    ws.send(JSON.stringify(m));
  };
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const target = requestTarget(req.url);
    if (!target) return refuseUpgrade(socket, 400, 'Bad Request');
    if (!hostAllowed(req, names) || !originAllowed(req, names)) return refuseUpgrade(socket, 403, 'Forbidden');
    const signed = sessionOf(req);
    if (!signed) return refuseUpgrade(socket, 401, 'Unauthorized');
    if (target.path !== '/ws') return refuseUpgrade(socket, 404, 'Not Found');
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => ws.terminate());
      sockets.set(ws, signed.token);
      ws.on('close', () => (sockets.delete(ws), behind.delete(ws)));
      sendTo(ws, { t: 'view', view: o.centre.view() });
    });
  });

  // Changes are gathered within one turn of the event loop (a burst of messages from the broker is one
  // update), then pushed: the stations that changed, and the alert and request lists when they did.
  const dirty = { stations: new Set<string>(), alerts: false, requests: false, connection: false };
  let scheduled: NodeJS.Immediate | undefined;
  const flush = () => {
    scheduled = undefined;
    const changed = [...dirty.stations];
    const stations: StationView[] = [];
    const removed: string[] = [];
    for (const id of changed) {
      const v = o.centre.stationView(id);
      if (v) stations.push(v);
      else removed.push(id);
    }
    const view = o.centre.view();
    const m: CentrePush = { t: 'update', connected: view.connected, ...(stations.length ? { stations } : {}), ...(removed.length ? { removed } : {}), ...(dirty.alerts ? { alerts: view.alerts } : {}), ...(dirty.requests ? { requests: view.requests } : {}) };
    dirty.stations.clear();
    dirty.alerts = dirty.requests = dirty.connection = false;
    for (const ws of sockets.keys()) {
      if (behind.has(ws)) {
        if (ws.bufferedAmount > WS_BEHIND_BYTES / 4) continue;
        behind.delete(ws);
        sendTo(ws, { t: 'view', view });
      } else sendTo(ws, m);
    }
  };
  const off = o.centre.onChange((what, station) => {
    if (station !== undefined) dirty.stations.add(station);
    else if (what === 'alerts') dirty.alerts = true;
    else if (what === 'requests') dirty.requests = true;
    else dirty.connection = true;
    scheduled ??= setImmediate(flush);
  });
  // An ended session (idle, signed out elsewhere, account changed) loses its socket.
  const sweep = o.clock.setInterval(() => {
    for (const [ws, token] of sockets) if (!auth.session(token, false)) ws.close(4401, 'session ended');
    auth.sweep();
  }, SWEEP_MS);

  const listening = await new Promise<Result<number>>((res) => {
    server.once('error', (e) => res(err('listen', `${host}:${o.port ?? 8090}: ${e.message}`)));
    server.listen(o.port ?? 8090, host, () => res(ok((server.address() as AddressInfo).port)));
  });
  if (!listening.ok) {
    off();
    o.clock.clearInterval(sweep);
    return listening;
  }
  const port = listening.value;
  names = siteNames(host, port, false, o.publicNames);
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return ok({
    url: `http://${urlHost}:${port}/`,
    port,
    close: async () => {
      off();
      o.clock.clearInterval(sweep);
      if (scheduled) clearImmediate(scheduled);
      for (const ws of sockets.keys()) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  });
}
