/**
 * The video decoder worker: one per video on screen. Frames arrive as binary messages on the station's
 * `/ws/video?drone=ID` socket when `init` gives a URL (the web console), or else are posted to the worker
 * itself — in the desktop app renderer/video/port.ts transfers each frame's ArrayBuffer from the page's video
 * port, and passes the station's status text the same way. They are decoded
 * with WebCodecs (`optimizeForLatency`, Annex B: no description) and painted on an OffscreenCanvas the moment
 * they decode. Nothing here touches the page's thread: the rest of the UI never waits for video.
 *
 *   frame ─► damaged? ─yes─► hold the last picture, "degraded", wait for a clean keyframe
 *              │no
 *              ▼
 *   decode queue > 2? ─yes─► latency guard: skip to the next keyframe (live only: a replay decodes every frame)
 *              │no
 *              ▼
 *   decode ─► paint ─► latency sample (painted − arrival at the station)
 *
 * A preview (issue 18: a wall tile not in focus) gets from the station only what it paints — the camera's
 * sub-stream, or the main stream's keyframes — and says which (`showing`). The decoder asks for hardware
 * (`hardwareAcceleration: 'prefer-hardware'`); when the machine has none (the decoder fails to configure or
 * decode), it goes on in software from the next keyframe and says why (`decoder`, `decoderNote`).
 */
import { codecFromConfig, parseFrame, type WireFrame as Frame } from '../../common/video-wire.js';

export type ToWorker =
  /**
   * With `url`, the worker opens that socket; without, frames (ArrayBuffer) and status (string) are posted to it.
   * `keepAll` decodes every frame (a replay from a recording: nothing live to keep up with, no latency guard).
   */
  | { type: 'init'; canvas: OffscreenCanvas; drone: string; url?: string; keepAll?: boolean; preview?: boolean }
  /** Full-rate stream (the tile in focus) or a preview; over the worker's own socket, told to the station. */
  | { type: 'mode'; preview: boolean }
  | { type: 'snapshot'; id: number }
  | { type: 'close' };

export interface VideoStats {
  type: 'stats';
  drone: string;
  /** Where frames come from: the worker's own WebSocket, or posted to it from the desktop's video port. */
  feed: 'socket' | 'posted';
  state: 'waiting' | 'live' | 'stale' | 'unsupported' | 'error';
  degraded: boolean;
  fps: number;
  decoded: number;
  painted: number;
  decodeErrors: number;
  skipped: number;
  width: number;
  height: number;
  /** Recent arrival-in-station → painted latencies (ms), newest last. */
  latencyMs: number[];
  /** Recent arrival-in-station → received-in-worker latencies (ms): the no-decode baseline. */
  receiveMs: number[];
  reason: string;
  /** What the last frame was: the full-rate stream, the camera's sub-stream, or keyframes only ('' before any). */
  showing: 'full' | 'sub' | 'key' | '';
  /** Recent intervals between painted pictures (ms), newest last: a preview's refresh interval. */
  refreshMs: number[];
  /** The decoder in use: hardware (the browser took 'prefer-hardware'), software, or '' before the first keyframe. */
  decoder: 'hardware' | 'software' | '';
  /** Why software: the browser's answer to 'prefer-hardware'. */
  decoderNote: string;
}

export type FromWorker = VideoStats | { type: 'snapshot'; id: number; blob: Blob | null };

const scope = self as unknown as { onmessage: ((ev: MessageEvent<ToWorker | ArrayBuffer | string>) => void) | null; postMessage(m: FromWorker): void; close(): void };
const nowMs = () => performance.timeOrigin + performance.now();
const STALE_MS = 1000;
const DEGRADED_HOLD_MS = 1500;
const MAX_QUEUE = 2;
const SAMPLES = 600;

let canvas: OffscreenCanvas | undefined;
let ctx: OffscreenCanvasRenderingContext2D | null = null;
let decoder: VideoDecoder | undefined;
let codec = '';
let waitKey = true;
let lastFrameMs = 0;
let lastDamagedMs = -Infinity;
let ws: WebSocket | undefined;
let closed = false;
let keepAll = false;
let preview = false;
let hwFailed = false;
let lastConfig = '';
let lastPaint = 0;
const arrivals = new Map<number, number>();
const paintTimes: number[] = [];
const st: VideoStats = { type: 'stats', drone: '', feed: 'posted', state: 'waiting', degraded: false, fps: 0, decoded: 0, painted: 0, decodeErrors: 0, skipped: 0, width: 0, height: 0, latencyMs: [], receiveMs: [], reason: '', showing: '', refreshMs: [], decoder: '', decoderNote: '' };

const push = (a: number[], x: number) => {
  a.push(x);
  if (a.length > SAMPLES) a.shift();
};

function newDecoder(): VideoDecoder {
  return new VideoDecoder({
    output: (f) => {
      st.decoded++;
      if (canvas && ctx) {
        if (canvas.width !== f.displayWidth || canvas.height !== f.displayHeight) {
          canvas.width = f.displayWidth;
          canvas.height = f.displayHeight;
        }
        ctx.drawImage(f, 0, 0);
        st.painted++;
        st.width = f.displayWidth;
        st.height = f.displayHeight;
        const t = nowMs();
        if (lastPaint > 0) push(st.refreshMs, t - lastPaint);
        lastPaint = t;
        const a = arrivals.get(f.timestamp);
        if (a !== undefined) push(st.latencyMs, t - a);
        arrivals.delete(f.timestamp);
        paintTimes.push(t);
      }
      f.close();
    },
    error: (e) => {
      // No hardware decoder for this stream on this machine: software from the next keyframe on.
      if (st.decoder === 'hardware' && !hwFailed) {
        hwFailed = true;
        st.decoderNote = String(e);
      } else {
        st.decodeErrors++;
        st.reason = String(e);
      }
      // A closed decoder cannot be used again: make a new one and wait for a keyframe.
      decoder = undefined;
      codec = '';
      lastConfig = '';
      waitKey = true;
    },
  });
}

function onFrame(fr: Frame): void {
  const t = nowMs();
  push(st.receiveMs, t - fr.arrivalMs);
  lastFrameMs = t;
  if (fr.codec === 'h265') {
    st.state = 'unsupported';
    return;
  }
  if (fr.damaged) {
    lastDamagedMs = t;
    waitKey = true;
    return;
  }
  st.showing = fr.preview ?? 'full';
  if (fr.keyframe && fr.config) {
    const c = codecFromConfig(fr.config);
    // A new SPS/PPS (main ↔ sub-stream, another resolution) configures the decoder again.
    const cfgKey = fr.config.join(',');
    if (c && (c !== codec || cfgKey !== lastConfig || !decoder || decoder.state !== 'configured')) {
      if (!decoder || decoder.state === 'closed') decoder = newDecoder();
      st.decoder = hwFailed ? 'software' : 'hardware';
      try {
        decoder.configure({ codec: c, optimizeForLatency: true, hardwareAcceleration: hwFailed ? 'prefer-software' : 'prefer-hardware' });
        codec = c;
        lastConfig = cfgKey;
      } catch (e) {
        st.decodeErrors++;
        st.reason = String(e);
        return;
      }
    }
  }
  if (!decoder || decoder.state !== 'configured') return;
  if (waitKey && !fr.keyframe) return void st.skipped++;
  // Latency guard: frames queue up (slow machine, burst) → drop them and start again at the next keyframe.
  if (!keepAll && !fr.keyframe && decoder.decodeQueueSize > MAX_QUEUE) {
    waitKey = true;
    st.skipped++;
    return;
  }
  waitKey = false;
  arrivals.set(fr.timestampUs, fr.arrivalMs);
  if (arrivals.size > 120) arrivals.delete(arrivals.keys().next().value!);
  try {
    decoder.decode(new EncodedVideoChunk({ type: fr.keyframe ? 'key' : 'delta', timestamp: fr.timestampUs, data: fr.data }));
  } catch (e) {
    st.decodeErrors++;
    st.reason = String(e);
    waitKey = true;
  }
}

function onData(data: unknown): void {
  if (data instanceof ArrayBuffer) {
    const fr = parseFrame(data);
    if (fr && fr.drone === st.drone) onFrame(fr);
  } else if (typeof data === 'string') {
    try {
      const m = JSON.parse(data) as { type: string; streams?: { drone: string; state: VideoStats['state']; reason: string }[] };
      const s = m.streams?.find((x) => x.drone === st.drone);
      if (s && (s.state === 'unsupported' || s.state === 'error')) {
        st.state = s.state;
        st.reason = s.reason;
      }
    } catch {
      /* not for us */
    }
  }
}

function connect(url: string): void {
  let backoff = 250;
  const open = () => {
    if (closed) return;
    ws = new WebSocket(preview ? `${url}&mode=preview` : url);
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => (backoff = 250);
    ws.onmessage = (ev) => onData(ev.data);
    ws.onclose = () => {
      waitKey = true;
      if (!closed) setTimeout(open, (backoff = Math.min(backoff * 2, 5000)));
    };
  };
  open();
}

// Badges are checked every 50 ms and posted at once when they change; the full stats go out every 200 ms.
let tick = 0;
setInterval(() => {
  const t = nowMs();
  while (paintTimes.length && t - paintTimes[0]! > 1000) paintTimes.shift();
  st.fps = paintTimes.length;
  const before = `${st.state}/${st.degraded}`;
  st.degraded = t - lastDamagedMs < DEGRADED_HOLD_MS || (waitKey && lastFrameMs > 0 && st.painted > 0);
  if (st.state !== 'unsupported' && st.state !== 'error') st.state = lastFrameMs === 0 ? 'waiting' : t - lastFrameMs > STALE_MS ? 'stale' : 'live';
  if (++tick % 4 === 0 || before !== `${st.state}/${st.degraded}`) scope.postMessage({ ...st, latencyMs: st.latencyMs.slice(-SAMPLES), receiveMs: st.receiveMs.slice(-SAMPLES), refreshMs: st.refreshMs.slice(-SAMPLES) });
}, 50);

scope.onmessage = (ev) => {
  const m = ev.data;
  if (m instanceof ArrayBuffer || typeof m === 'string') {
    if (!closed) onData(m);
    return;
  }
  if (m.type === 'init') {
    canvas = m.canvas;
    ctx = canvas.getContext('2d', { alpha: false });
    st.drone = m.drone;
    keepAll = m.keepAll === true;
    preview = m.preview === true;
    if (typeof VideoDecoder === 'undefined') {
      st.state = 'error';
      st.reason = 'WebCodecs is not available (it needs a secure context: https or localhost)';
      return;
    }
    if (m.url) {
      st.feed = 'socket';
      connect(m.url);
    }
  } else if (m.type === 'mode') {
    if (m.preview === preview) return;
    preview = m.preview;
    lastPaint = 0;
    if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'mode', drone: st.drone, mode: preview ? 'preview' : 'full' }));
  } else if (m.type === 'snapshot') {
    if (!canvas || st.painted === 0) return scope.postMessage({ type: 'snapshot', id: m.id, blob: null });
    void canvas.convertToBlob({ type: 'image/png' }).then((blob) => scope.postMessage({ type: 'snapshot', id: m.id, blob }));
  } else if (m.type === 'close') {
    closed = true;
    ws?.close();
    if (decoder && decoder.state !== 'closed') decoder.close();
    scope.close();
  }
};
