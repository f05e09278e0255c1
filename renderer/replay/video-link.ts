/**
 * The flight's video for the replay: one client, two transports — the page's own WebSocket to
 * `/ws/replay?flight=ID` (contract) in a browser, or, in the desktop app's window (which has no WebSocket), a
 * stream on the app's replay port (port.ts) carrying the same messages — then a decoder worker
 * (renderer/video/worker.ts in its posted-frames mode, every frame decoded: no latency to guard on a recording)
 * painting on a canvas, and the frame gate (model.ts) between them so the picture follows the replay clock.
 *
 *   user plays / pauses / seeks ─► Player ─► ReplayControl (JSON text) ─► station
 *   station ─► binary frame (arrivalMs = flight time) ─► FrameGate ─(clock reaches it)─► worker ─► canvas
 *   station ─► ReplayStatus text ─► the panel's message
 *
 * Seeks while dragging the scrubber go out at most every SEEK_EVERY_MS (the last one always). While playing,
 * a station that falls behind the clock by more than RESYNC_BEHIND_MS is told to play from the cursor again.
 * The connection reopens with backoff and then says where the clock is.
 */
import type { ReplayControl, ReplayStatus } from '../../common/api/contract.js';
import type { FromWorker, ToWorker, VideoStats } from '../video/worker.js';
import { parseFrame } from '../../common/video-wire.js';
import { FrameGate } from './model.js';
import type { Player } from './player.js';
import { replayPort, type ReplayConnection, type ReplayStreamHandlers } from './port.js';

const SEEK_EVERY_MS = 150;
const RESYNC_BEHIND_MS = 3000;
const RESYNC_EVERY_MS = 5000;

export type SocketState = 'connecting' | 'open' | 'closed';

export interface ReplayVideoInfo {
  socket: SocketState;
  status: ReplayStatus | null;
  /** Frames painted so far (0: nothing to see yet). */
  painted: number;
}

export function replaySocketUrl(flightId: string): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/replay?flight=${encodeURIComponent(flightId)}`;
}

/** Opens one flight's video stream: a WebSocket, or a stream on the desktop app's replay port. */
export type ReplayConnector = (flightId: string, h: ReplayStreamHandlers) => ReplayConnection;

export const webSocketReplay: ReplayConnector = (flightId, h) => {
  const ws = new WebSocket(replaySocketUrl(flightId));
  ws.binaryType = 'arraybuffer';
  ws.onopen = () => h.open();
  ws.onmessage = (ev: MessageEvent<ArrayBuffer | string>) => (typeof ev.data === 'string' ? h.text(ev.data) : h.binary(ev.data));
  ws.onclose = () => h.closed();
  return {
    send: (text) => {
      if (ws.readyState !== WebSocket.OPEN) return false;
      ws.send(text);
      return true;
    },
    close: () => {
      ws.onclose = null;
      ws.close();
    },
  };
};

/** The replay port in the desktop app's window, else the WebSocket. */
export async function replayConnector(): Promise<ReplayConnector> {
  const router = await replayPort();
  return router ? (flightId, h) => router.open(flightId, h) : webSocketReplay;
}

export class ReplayVideoLink {
  private conn: ReplayConnection | undefined;
  private connected = false;
  private connector: ReplayConnector | undefined;
  private readonly worker: Worker;
  private readonly offscreen: OffscreenCanvas;
  private drone: string | undefined;
  private readonly gate = new FrameGate<ArrayBuffer>();
  private closed = false;
  private backoffMs = 250;
  private lastSeekSent = 0;
  private pendingSeek: ReturnType<typeof setTimeout> | undefined;
  private lastFrameAtMs: number | null = null;
  private lastResync = 0;
  private info: ReplayVideoInfo = { socket: 'connecting', status: null, painted: 0 };
  private readonly offs: (() => void)[] = [];

  constructor(
    private readonly flightId: string,
    canvas: HTMLCanvasElement,
    private readonly player: Player,
    private readonly onInfo: (i: ReplayVideoInfo) => void,
    connector?: ReplayConnector,
  ) {
    this.worker = new Worker(new URL('video-worker.js', document.baseURI), { type: 'module', name: `replay-${flightId}` });
    this.offscreen = canvas.transferControlToOffscreen();
    this.worker.onmessage = (ev: MessageEvent<FromWorker>) => {
      const m = ev.data;
      if (m.type !== 'stats') return;
      (window as unknown as { kongxunReplayVideo?: VideoStats }).kongxunReplayVideo = m;
      if ((m.painted > 0) !== (this.info.painted > 0)) this.update({ painted: m.painted });
      else this.info.painted = m.painted;
    };
    this.offs.push(player.onControl((c) => this.control(c)));
    this.offs.push(player.onFrame((t, playing) => this.tick(t, playing)));
    void (connector ? Promise.resolve(connector) : replayConnector()).then((c) => {
      this.connector = c;
      this.open();
    });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.pendingSeek);
    for (const off of this.offs) off();
    this.conn?.close();
    this.worker.postMessage({ type: 'close' } satisfies ToWorker);
    delete (window as unknown as { kongxunReplayVideo?: VideoStats }).kongxunReplayVideo;
  }

  private update(p: Partial<ReplayVideoInfo>): void {
    this.info = { ...this.info, ...p };
    this.onInfo(this.info);
  }

  private open(): void {
    if (this.closed || !this.connector) return;
    this.update({ socket: 'connecting' });
    this.connected = false;
    const conn: ReplayConnection = this.connector(this.flightId, {
      open: () => {
        if (this.conn !== conn) return;
        this.connected = true;
        this.backoffMs = 250;
        this.update({ socket: 'open' });
        this.send(this.player.current());
      },
      text: (t) => this.conn === conn && this.onText(t),
      binary: (b) => this.conn === conn && this.onBinary(b),
      closed: () => {
        if (this.conn !== conn) return;
        this.connected = false;
        this.update({ socket: 'closed' });
        if (this.closed) return;
        // A flight without video is told once; nothing to reconnect for.
        if (this.info.status?.state === 'no-video') return;
        setTimeout(() => this.open(), (this.backoffMs = Math.min(this.backoffMs * 2, 5000)));
      },
    });
    this.conn = conn;
  }

  private onText(text: string): void {
    try {
      const m = JSON.parse(text) as Partial<ReplayStatus>;
      if (m.type === 'replay-status' && typeof m.state === 'string') this.update({ status: { type: 'replay-status', state: m.state, atMs: m.atMs ?? null, reason: m.reason ?? '' } });
    } catch {
      /* not ours */
    }
  }

  private onBinary(buf: ArrayBuffer): void {
    const f = parseFrame(buf);
    if (!f) return;
    if (this.drone === undefined) {
      // The worker decodes the frames of one drone: the one the recording names.
      this.drone = f.drone;
      this.worker.postMessage({ type: 'init', canvas: this.offscreen, drone: f.drone, keepAll: true } satisfies ToWorker, [this.offscreen]);
    }
    this.lastFrameAtMs = f.arrivalMs;
    this.gate.push({ data: buf, atMs: f.arrivalMs, keyframe: f.keyframe });
    const { t, playing } = this.player.store.getState();
    if (!playing) this.flush(t, false);
  }

  private flush(t: number, playing: boolean): void {
    for (const f of this.gate.take(t, playing)) this.worker.postMessage(f.data, [f.data]);
  }

  private tick(t: number, playing: boolean): void {
    this.flush(t, playing);
    if (!playing || !this.connected) return;
    const st = this.info.status?.state;
    if (st === 'ended' || st === 'no-video' || st === 'error') return;
    const now = performance.now();
    if (this.lastFrameAtMs !== null && t - this.lastFrameAtMs > RESYNC_BEHIND_MS && now - this.lastResync > RESYNC_EVERY_MS) {
      this.lastResync = now;
      this.send(this.player.current());
    }
  }

  private control(c: ReplayControl): void {
    clearTimeout(this.pendingSeek);
    this.pendingSeek = undefined;
    // A new position: what waits in the gate is from the old one.
    if (c.type !== 'pause') this.gate.clear();
    if (c.type === 'seek') {
      const wait = SEEK_EVERY_MS - (performance.now() - this.lastSeekSent);
      if (wait > 0) {
        this.pendingSeek = setTimeout(() => this.send(this.player.current()), wait);
        return;
      }
    }
    this.send(c);
  }

  private send(c: ReplayControl): void {
    if (c.type === 'seek' || c.type === 'play') {
      this.lastSeekSent = performance.now();
      this.lastResync = this.lastSeekSent;
      this.lastFrameAtMs = null;
    }
    if (this.connected) this.conn?.send(JSON.stringify(c));
  }
}
