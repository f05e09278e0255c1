/**
 * The console server: serves the bundled renderer over HTTP and the station's live state over WebSocket
 * (`/ws`): a `hello` with the station's geography, ~10 Hz snapshots, discrete events, and command results.
 * Flight replay (station/replay/): the recorded flights at `/api/flights[/<id>]`, their video on `/ws/replay`.
 * Binds 127.0.0.1 by default. A port in use is an error value naming the address, never a crash.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Clock } from '../../mavlink/clock.js';
import { err, ok, type Result } from '../../mavlink/result.js';
import type { ClientMessage, PlanMessage, ServerMessage, StationEvent, StationSnapshot, UploadProgress, UploadResult, VehicleCommand } from '../api/contract.js';
import type { TileSource } from './mbtiles.js';
import type { VideoHub, VideoPeer } from '../video/hub.js';
import type { JanusAccess } from '../video/janus.js';
import { SNAPSHOT_NAME } from '../video/alert-snapshot.js';
import { parseVideoMode } from '../video/wire.js';
import { FlightCatalog } from '../replay/flights.js';
import { serveReplay } from '../replay/video.js';
import type { Principal } from '../gateway/principal.js';

export interface ConsoleSource {
  hello(): Extract<ServerMessage, { type: 'hello' }>;
  snapshot(): StationSnapshot;
  onEvent(cb: (e: StationEvent) => void): () => void;
  /** A command from a console; `who` is the console's principal (station/gateway/principal.ts). */
  command(sysid: number, cmd: VehicleCommand, who: Principal): Promise<{ ok: boolean; result: string; reason: string }>;
  /** Upload a mission file to a drone, reporting progress; absent when the station has no mission service. */
  upload?(sysid: number, name: string, text: string, onProgress: (p: Omit<UploadProgress, 'type' | 'requestId'>) => void, who: Principal): Promise<Omit<UploadResult, 'type' | 'requestId'>>;
  /** The day plan the station was started with, sent after `hello`. */
  plan?(): PlanMessage | null;
}

export interface ConsoleServerOptions {
  source: ConsoleSource;
  clock: Clock;
  staticDir: string;
  host?: string;
  port?: number;
  /** When the port is taken, serve on any free port instead of failing (`npm start` with no --port). */
  anyPortIfTaken?: boolean;
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
   * Whether a request may see video (/api/janus). THE HOOK FOR SIGN-IN: bind it to the same session check that
   * gates /ws/video. Absent: every request may (as /ws/video today).
   */
  videoAuthorised?: (req: IncomingMessage) => boolean;
  /**
   * Flight replay (station/replay/, contract "Flight replay"): the flights of DATA/tlogs at /api/flights and
   * /api/flights/<id>, their video (DATA/video) on `/ws/replay?flight=<id>`. `droneName` is the fleet's id of a
   * sysid (null when the fleet does not name it); `log` gets one line per tlog that cannot be read.
   */
  replay?: { dataDir: string; droneName(sysid: number): string | null; log?: (line: string) => void };
}

/** One console over any transport: text frames of the contract's JSON messages each way. */
export interface ConsolePeer {
  /** Who this console is. Until sign-in exists every console acts as an anonymous pilot. */
  who: Principal;
  send(text: string): void;
  onMessage(cb: (text: string) => void): () => void;
}

export interface ConsoleServer {
  url: string;
  port: number;
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

/** Events replayed to a console that connects later. */
const RECENT_EVENTS = 50;
const TILE_MIME = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp' } as const;

function serveStatic(dir: string, req: IncomingMessage, res: ServerResponse, prefix = ''): void {
  const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/').slice(prefix.length) || '/';
  const rel = normalize(path === '/' ? '/index.html' : path).replace(/^([/\\])+/, '');
  const file = join(dir, rel);
  if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
  createReadStream(file).pipe(res);
}

function parseClientMessage(text: string): ClientMessage | undefined {
  try {
    const m = JSON.parse(text) as ClientMessage;
    if (!m || typeof m.sysid !== 'number' || typeof m.requestId !== 'string') return undefined;
    if (m.type === 'command') return m;
    if (m.type === 'upload' && typeof m.name === 'string' && typeof m.text === 'string') return m;
  } catch {
    /* malformed input from a client is ignored, not fatal */
  }
  return undefined;
}

const FLIGHTS = '/api/flights';

/** GET /api/flights → FlightSummary[]; GET /api/flights/<id> → FlightDetail, or 404 { error } naming the id. */
async function serveFlights(catalog: FlightCatalog | undefined, path: string, res: ServerResponse): Promise<void> {
  const json = (code: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-cache' }).end(text);
  };
  if (!catalog) return json(404, { error: 'flight replay is not available on this station' });
  try {
    if (path === FLIGHTS) return json(200, await catalog.list());
    const raw = path.slice(FLIGHTS.length + 1);
    let id: string;
    try {
      id = decodeURIComponent(raw);
    } catch {
      return json(404, { error: `unknown flight "${raw}"` });
    }
    // The id is only ever matched against the listed flights: it never becomes a path.
    const detail = await catalog.detail(id);
    return detail ? json(200, detail) : json(404, { error: `unknown flight "${id}"` });
  } catch (e) {
    return json(500, { error: `flights: ${String(e)}` });
  }
}

export async function startConsoleServer(o: ConsoleServerOptions): Promise<Result<ConsoleServer>> {
  const host = o.host ?? '127.0.0.1';
  const flights = o.replay ? new FlightCatalog(o.replay) : undefined;
  const http = createServer((req, res) => {
    if (req.url === '/api/snapshot') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(o.source.snapshot()));
      return;
    }
    const apiPath = (req.url ?? '').split('?')[0] ?? '';
    if (apiPath === FLIGHTS || apiPath.startsWith(`${FLIGHTS}/`)) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET' }).end();
      return void serveFlights(flights, apiPath, res);
    }
    if ((req.url ?? '').split('?')[0] === '/api/janus') {
      if (!o.janus) return void res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'this station runs no Janus (kongxun serve --janus)' }));
      if (o.videoAuthorised && !o.videoAuthorised(req)) return void res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'sign in to watch video' }));
      void o.janus.issue().then((r) =>
        r.ok
          ? res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify({ ...r.value, url: '/janus' }))
          : res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: r.reason })),
      );
      return;
    }
    if (o.janus && /^\/janus(\/|\?|$)/.test(req.url ?? '')) return relayJanus(o.janus.apiUrl, req, res);
    const snap = /^\/api\/snapshots\/([^/?]+)$/.exec(req.url ?? '');
    if (snap && o.snapshotsDir) {
      const file = snap[1]!;
      const path = join(o.snapshotsDir, file);
      if (!SNAPSHOT_NAME.test(file) || !existsSync(path)) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'image/jpeg', 'cache-control': 'max-age=86400' });
      return void createReadStream(path).pipe(res);
    }
    if (req.url === '/api/video') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache' }).end(JSON.stringify(o.video?.status() ?? []));
      return;
    }
    const t = /^\/tiles\/(\d+)\/(\d+)\/(\d+)(\.\w+)?$/.exec((req.url ?? '').split('?')[0] ?? '');
    if (t) {
      const data = o.tiles?.tile(Number(t[1]), Number(t[2]), Number(t[3]));
      if (!data || !o.tiles) res.writeHead(204, { 'cache-control': 'max-age=3600' }).end();
      else res.writeHead(200, { 'content-type': TILE_MIME[o.tiles.info.format], 'cache-control': 'max-age=3600' }).end(data);
      return;
    }
    if (o.planDir && (req.url ?? '').startsWith('/plan-files/')) return serveStatic(o.planDir, req, res, '/plan-files');
    serveStatic(o.staticDir, req, res);
  });
  const wss = new WebSocketServer({ noServer: true });
  http.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '').split('?')[0];
    // Video has its own socket so telemetry never queues behind a keyframe.
    if (path === '/ws/video' && o.video) {
      const video = o.video;
      const q = new URL(req.url ?? '', 'http://x').searchParams;
      const drones = q.getAll('drone').slice(0, 64);
      return wss.handleUpgrade(req, socket, head, (ws) => {
        ws.on('error', () => ws.terminate());
        const peer: VideoPeer = { sendBinary: (b) => ws.readyState === ws.OPEN && ws.send(b, { binary: true }), sendText: (t) => ws.readyState === ws.OPEN && ws.send(t), buffered: () => ws.bufferedAmount };
        // `&mode=preview`: the wall's tiles not in focus (sub-stream or keyframes only); switched later by text.
        const detach = video.attach(peer, drones.length > 0 ? drones : null, q.get('mode') === 'preview' ? drones : []);
        ws.on('message', (data, isBinary) => {
          const m = isBinary ? undefined : parseVideoMode(String(data));
          if (m) video.setMode(peer, m.drone, m.mode);
        });
        ws.on('close', detach);
      });
    }
    // Replay of a recorded flight's video: controls in, frames and status out (station/replay/video.ts).
    if (path === '/ws/replay' && flights && o.replay) {
      const flight = new URL(req.url ?? '', 'http://x').searchParams.get('flight') ?? '';
      const videoDir = join(o.replay.dataDir, 'video');
      return wss.handleUpgrade(req, socket, head, (ws) => {
        ws.on('error', () => ws.terminate());
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
    if (path !== '/ws') return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  // Every console is a peer: a WebSocket, or a MessagePort of the desktop app (attach()). Same messages.
  const peers = new Set<ConsolePeer>();
  const welcome = (peer: ConsolePeer): (() => void) => {
    const sendTo = (m: ServerMessage) => peer.send(JSON.stringify(m));
    sendTo(o.source.hello());
    const plan = o.source.plan?.();
    if (plan) sendTo(plan);
    sendTo(o.source.snapshot());
    // A console opened later (the wall screen, a kiosk) still sees what happened recently.
    for (const event of recent) sendTo({ type: 'event', event });
    peers.add(peer);
    const off = peer.onMessage((text) => {
      const m = parseClientMessage(text);
      if (!m) return;
      if (m.type === 'upload') {
        const { requestId } = m;
        const done = (r: Omit<UploadResult, 'type' | 'requestId'>) => sendTo({ type: 'upload-result', requestId, ...r });
        if (!o.source.upload) return done({ ok: false, count: 0, verifiedBy: null, reason: 'this station has no mission transfer service' });
        o.source
          .upload(m.sysid, m.name, m.text, (p) => sendTo({ type: 'upload-progress', requestId, ...p }), peer.who)
          .then(done)
          .catch((e: unknown) => done({ ok: false, count: 0, verifiedBy: null, reason: String(e) }));
        return;
      }
      const { type: _t, requestId, sysid, ...cmd } = m;
      o.source
        .command(sysid, cmd as VehicleCommand, peer.who)
        .then((r) => sendTo({ type: 'result', requestId, ...r }))
        .catch((e: unknown) => sendTo({ type: 'result', requestId, ok: false, result: 'error', reason: String(e) }));
    });
    return () => {
      off();
      peers.delete(peer);
    };
  };
  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    ws.on('error', () => ws.terminate());
    const leave = welcome({
      who: { kind: 'user', user: 'anonymous', role: 'pilot', from: req.socket.remoteAddress ?? 'unknown', via: 'console' },
      send: (text) => ws.readyState === ws.OPEN && ws.send(text),
      onMessage: (cb) => {
        const h = (data: unknown) => cb(String(data));
        ws.on('message', h);
        return () => ws.off('message', h);
      },
    });
    ws.on('close', leave);
  });
  const broadcast = (m: ServerMessage) => {
    const text = JSON.stringify(m);
    for (const p of peers) p.send(text);
  };
  const recent: StationEvent[] = [];
  const offEvent = o.source.onEvent((event) => {
    recent.push(event);
    if (recent.length > RECENT_EVENTS) recent.shift();
    broadcast({ type: 'event', event });
  });
  const timer = o.clock.setInterval(() => {
    if (peers.size > 0) broadcast(o.source.snapshot());
  }, 1000 / (o.snapshotHz ?? 10));

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
  let listening = await listen(o.port ?? 8080);
  if (!listening.ok && listening.code === 'port-in-use' && o.anyPortIfTaken) listening = await listen(0);
  if (!listening.ok) {
    o.clock.clearInterval(timer);
    offEvent();
    wss.close();
    return listening;
  }
  const port = listening.value;
  return ok({
    url: `http://${host}:${port}/`,
    port,
    clients: () => peers.size,
    attach: welcome,
    close: async () => {
      o.clock.clearInterval(timer);
      offEvent();
      for (const c of wss.clients) c.terminate();
      wss.close();
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
