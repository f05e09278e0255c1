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
import { asArrayBuffer, desktopPort } from '../api/desktop-port.js';

/** What the page sends on the video port (electron/main.ts reads it). */
export type ToStationVideo = { type: 'subscribe'; drones: string[]; preview: string[] } | { type: 'ack'; bytes: number };

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

const port = desktopPort('kongxun:video-port', (p) => new VideoPortRouter(p));

/** Starts listening for the video port; renderer/main.tsx calls it first thing, before the preload can post. */
export const listenForVideoPort = port.listen;

/** The page's video port router, or undefined when this page has none (a browser: the WebSocket instead). */
export const videoPort = port.get;
