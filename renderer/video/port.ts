/**
 * The desktop app's video port. In Electron the main process posts the page a second MessagePort (window
 * message 'kongxun:video-port', relayed by electron/preload.ts) whose other end is attached to the station's
 * video hub; without it — the web console in a browser — each decoder worker opens its own
 * `/ws/video?drone=ID` socket as before, and nothing here is used.
 *
 * One router per page keeps the port and:
 *  - tells the station which drones the page shows: `{type:'subscribe', drones, preview}`, the drones of every
 *    mounted VideoView, and those of them shown only as previews (every view of the drone is a wall tile not in
 *    focus: the station sends the sub-stream or keyframes only), sent again whenever that changes (an empty
 *    list: the station sends nothing);
 *  - hands each binary frame to the worker(s) of the drone named in its header (common/video-wire.ts), by
 *    transfer — `worker.postMessage(buf, [buf])`, no copy; only a second view of the same drone costs a copy;
 *  - passes the station's status text (`video-status`) to every worker;
 *  - acknowledges the bytes received (`{type:'ack', bytes}`), so the station knows what is in flight towards
 *    this page and its latency guard skips to the next keyframe when the page falls behind, as it does for a
 *    WebSocket that backs up.
 */
import { frameDrone } from '../../common/video-wire.js';

/** What the page sends on the video port (electron/main.ts reads it). */
export type ToStationVideo = { type: 'subscribe'; drones: string[]; preview: string[] } | { type: 'ack'; bytes: number };

/** How long a desktop page waits for its video port before falling back to the WebSocket. */
const PORT_WAIT_MS = 5000;

export class VideoPortRouter {
  /** drone → its workers, each with whether it shows a preview. */
  private readonly sinks = new Map<string, Map<Worker, boolean>>();
  private received = 0;
  private subscribed = '';
  private scheduled = false;

  constructor(private readonly port: MessagePort) {
    port.onmessage = (ev: MessageEvent<unknown>) => this.onMessage(ev.data);
  }

  /** A worker decoding `drone` (as a preview or at full rate); frames go to it until the returned function is called. */
  add(drone: string, worker: Worker, preview = false): () => void {
    let set = this.sinks.get(drone);
    if (!set) this.sinks.set(drone, (set = new Map()));
    set.set(worker, preview);
    this.resubscribe();
    return () => {
      set.delete(worker);
      if (set.size === 0 && this.sinks.get(drone) === set) this.sinks.delete(drone);
      this.resubscribe();
    };
  }

  /** The worker's view of `drone` goes to a preview or back to full rate. */
  setPreview(drone: string, worker: Worker, preview: boolean): void {
    const set = this.sinks.get(drone);
    if (!set?.has(worker)) return;
    set.set(worker, preview);
    this.resubscribe();
  }

  close(): void {
    this.port.onmessage = null;
    this.port.close();
  }

  /** After the current render's mounts and unmounts (React StrictMode mounts twice): one message, if changed. */
  private resubscribe(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      const drones = [...this.sinks.keys()].sort();
      const preview = drones.filter((d) => [...this.sinks.get(d)!.values()].every((p) => p));
      const key = JSON.stringify([drones, preview]);
      if (key === this.subscribed) return;
      this.subscribed = key;
      this.port.postMessage({ type: 'subscribe', drones, preview } satisfies ToStationVideo);
    });
  }

  private onMessage(data: unknown): void {
    if (typeof data === 'string') {
      for (const set of this.sinks.values()) for (const w of set.keys()) w.postMessage(data);
      return;
    }
    const buf = asArrayBuffer(data);
    if (!buf) return;
    this.received += buf.byteLength;
    this.port.postMessage({ type: 'ack', bytes: this.received } satisfies ToStationVideo);
    const drone = frameDrone(buf);
    const set = drone === undefined ? undefined : this.sinks.get(drone);
    if (!set) return;
    let left = set.size;
    for (const w of set.keys()) {
      // The buffer moves to the last worker; any other worker of the same drone gets a copy.
      const b = --left === 0 ? buf : buf.slice(0);
      w.postMessage(b, [b]);
    }
  }
}

function asArrayBuffer(data: unknown): ArrayBuffer | undefined {
  if (data instanceof ArrayBuffer) return data;
  if (ArrayBuffer.isView(data) && data.buffer instanceof ArrayBuffer) {
    const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
    return whole ? data.buffer : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  }
  return undefined;
}

let router: VideoPortRouter | undefined;
let listening = false;
let gaveUp = false;
const waiting: ((r: VideoPortRouter | undefined) => void)[] = [];

const desktopIpc = () => (window as unknown as { kongxun?: { ipc?: boolean } }).kongxun?.ipc === true;

/** Starts listening for the video port; renderer/main.tsx calls it first thing, before the preload can post. */
export function listenForVideoPort(): void {
  if (listening || !desktopIpc()) return;
  listening = true;
  window.addEventListener('message', (ev) => {
    if (ev.data !== 'kongxun:video-port' || !ev.ports[0]) return;
    router?.close();
    router = new VideoPortRouter(ev.ports[0]);
    for (const w of waiting.splice(0)) w(router);
  });
  setTimeout(() => {
    if (router) return;
    gaveUp = true;
    for (const w of waiting.splice(0)) w(undefined);
  }, PORT_WAIT_MS);
}

/** The page's video port router, or undefined when frames come over the WebSocket instead. */
export function videoPort(): Promise<VideoPortRouter | undefined> {
  if (router) return Promise.resolve(router);
  if (!listening || gaveUp) return Promise.resolve(undefined);
  return new Promise((resolve) => waiting.push(resolve));
}
