/**
 * The console server's WebSocket upgrades: `/ws` (a console: JSON messages both ways), `/ws/video` (live video
 * frames out, mode switches in) and `/ws/replay` (a recorded flight's video, for a session with the replay
 * right; the desktop app's windows get the same over a port: replay-port.ts). Everything is checked before the
 * handshake completes — the URL, Host, Origin and the session — so no message of a refused socket is ever read.
 * Sockets are tracked by session token so a sign-out or a disabled account closes them at once (4401).
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Auth, Session } from '../auth/auth.js';
import type { FlightCatalog } from '../replay/flights.js';
import { serveReplay } from '../replay/video.js';
import type { VideoHub, VideoPeer } from '../video/hub.js';
import { parseVideoMode } from '../../common/video-wire.js';
import type { ConsolePeer } from './console-peers.js';
import { replayRefusal } from './replay-port.js';
import { hostAllowed, originAllowed, requestTarget, WS_MAX_CONSOLE_MESSAGE, WS_MAX_CONTROL_MESSAGE, type SiteNames } from './http-guard.js';

export interface UpgradeDeps {
  auth: Auth;
  /** The names this station answers to now (known once listening). */
  names(): SiteNames;
  sessionOf(req: IncomingMessage): { token: string; session: Session } | undefined;
  /** A console arrives on `/ws`; returns its detach. */
  welcome(peer: ConsolePeer): () => void;
  video?: Pick<VideoHub, 'attach' | 'setMode'> | undefined;
  replay?: { flights: FlightCatalog; dataDir: string } | undefined;
}

export interface ConsoleSockets {
  /** The handler of the HTTP server's 'upgrade' event. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Every open socket with the session token it came in with. */
  tokens(): IterableIterator<[WebSocket, string]>;
  /** Terminate every socket and stop accepting. */
  close(): void;
}

export function consoleSockets(d: UpgradeDeps): ConsoleSockets {
  // The console socket takes mission uploads; the video and replay sockets only small controls.
  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_CONSOLE_MESSAGE });
  const wssControl = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_CONTROL_MESSAGE });
  /** Open sockets by session token. */
  const sockets = new Map<WebSocket, string>();
  const refuseUpgrade = (socket: Duplex, code: number, text: string) => {
    if ((socket as Socket).writable) socket.end(`HTTP/1.1 ${code} ${text}\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
    else socket.destroy();
  };
  const track = (ws: WebSocket, token: string) => {
    sockets.set(ws, token);
    ws.on('close', () => sockets.delete(ws));
  };
  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const target = requestTarget(req.url);
    if (!target) return refuseUpgrade(socket, 400, 'Bad Request');
    if (!hostAllowed(req, d.names())) return refuseUpgrade(socket, 403, 'Forbidden');
    if (!originAllowed(req, d.names())) return refuseUpgrade(socket, 403, 'Forbidden');
    const signed = d.sessionOf(req);
    if (!signed) return refuseUpgrade(socket, 401, 'Unauthorized');
    const { path, query } = target;
    // Video has its own socket so telemetry never queues behind a keyframe.
    if (path === '/ws/video' && d.video) {
      const video = d.video;
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
    if (path === '/ws/replay' && d.replay) {
      // The replay right (not a viewer's): the same check as the desktop app's replay port (replay-port.ts).
      if (replayRefusal(signed.session) !== undefined) return refuseUpgrade(socket, 403, 'Forbidden');
      const { flights } = d.replay;
      const flight = query.get('flight') ?? '';
      const videoDir = join(d.replay.dataDir, 'video');
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
      const leave = d.welcome({
        who: d.auth.principal(signed.session, req.socket.remoteAddress ?? 'unknown', 'console'),
        send: (text) => ws.readyState === ws.OPEN && ws.send(text),
        onMessage: (cb) => {
          const h = (data: unknown, isBinary: boolean) => {
            if (isBinary) return;
            // A command keeps the session alive (the idle timer); an ended session's socket is closed.
            if (!d.auth.session(signed.token)) return ws.close(4401, 'session ended');
            cb(String(data));
          };
          ws.on('message', h);
          return () => ws.off('message', h);
        },
      });
      ws.on('close', leave);
    });
  };
  return {
    upgrade,
    tokens: () => sockets.entries(),
    close: () => {
      for (const c of wss.clients) c.terminate();
      for (const c of wssControl.clients) c.terminate();
      wss.close();
      wssControl.close();
    },
  };
}
