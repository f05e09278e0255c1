/**
 * The console server: serves the bundled renderer over HTTP and the station's live state over WebSocket
 * (`/ws`): a `hello` with the station's geography, ~10 Hz snapshots, discrete events, and command results.
 * Binds 127.0.0.1 by default. A port in use is an error value naming the address, never a crash.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Clock } from '../../mavlink/clock.js';
import { err, ok, type Result } from '../../mavlink/result.js';
import type { ClientMessage, ServerMessage, StationEvent, StationSnapshot, VehicleCommand } from '../api/contract.js';

export interface ConsoleSource {
  hello(): Extract<ServerMessage, { type: 'hello' }>;
  snapshot(): StationSnapshot;
  onEvent(cb: (e: StationEvent) => void): () => void;
  command(sysid: number, cmd: VehicleCommand): Promise<{ ok: boolean; result: string; reason: string }>;
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
}

export interface ConsoleServer {
  url: string;
  port: number;
  clients(): number;
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
};

function serveStatic(dir: string, req: IncomingMessage, res: ServerResponse): void {
  const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
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
    if (m && m.type === 'command' && typeof m.sysid === 'number' && typeof m.requestId === 'string') return m;
  } catch {
    /* malformed input from a client is ignored, not fatal */
  }
  return undefined;
}

export async function startConsoleServer(o: ConsoleServerOptions): Promise<Result<ConsoleServer>> {
  const host = o.host ?? '127.0.0.1';
  const http = createServer((req, res) => {
    if (req.url === '/api/snapshot') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(o.source.snapshot()));
      return;
    }
    serveStatic(o.staticDir, req, res);
  });
  const wss = new WebSocketServer({ noServer: true });
  http.on('upgrade', (req, socket, head) => {
    if ((req.url ?? '').split('?')[0] !== '/ws') return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  const sendTo = (ws: WebSocket, m: ServerMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
  };
  wss.on('connection', (ws) => {
    sendTo(ws, o.source.hello());
    sendTo(ws, o.source.snapshot());
    ws.on('error', () => ws.terminate());
    ws.on('message', (data) => {
      const m = parseClientMessage(String(data));
      if (!m) return;
      const { type: _t, requestId, sysid, ...cmd } = m;
      o.source
        .command(sysid, cmd as VehicleCommand)
        .then((r) => sendTo(ws, { type: 'result', requestId, ...r }))
        .catch((e: unknown) => sendTo(ws, { type: 'result', requestId, ok: false, result: 'error', reason: String(e) }));
    });
  });
  const broadcast = (m: ServerMessage) => {
    const text = JSON.stringify(m);
    for (const c of wss.clients) if (c.readyState === c.OPEN) c.send(text);
  };
  const offEvent = o.source.onEvent((event) => broadcast({ type: 'event', event }));
  const timer = o.clock.setInterval(() => {
    if (wss.clients.size > 0) broadcast(o.source.snapshot());
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
    clients: () => wss.clients.size,
    close: async () => {
      o.clock.clearInterval(timer);
      offEvent();
      for (const c of wss.clients) c.terminate();
      wss.close();
      await new Promise<void>((r) => http.close(() => r()));
    },
  });
}
