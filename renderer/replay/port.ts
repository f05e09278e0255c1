/**
 * The desktop app's replay port. In Electron the main process posts the page a third MessagePort (window
 * message 'kongxun:replay-port', relayed by electron/preload.ts) whose other end serves recorded flights' video
 * as `/ws/replay` does (station/server/replay-port.ts; contract: "The desktop app's replay port"). The app's
 * window has no WebSocket, so the replay screen's video goes over it; in a browser nothing here is used and the
 * video comes over `/ws/replay?flight=ID` (video-link.ts picks: one client, two transports).
 *
 * One router per page keeps the port and carries one flight's stream at a time (opening another replaces it):
 *  - `open(flight)` sends `replay-open` with a new stream number; what the station sends is ignored until its
 *    `replay-opened` for that number arrives (frames of a replaced stream still on their way are dropped), then
 *    the stream's ReplayStatus text and frames go to the stream's handlers, until its `replay-closed`;
 *  - every binary frame is acknowledged (`{type:'ack', bytes}`: the bytes received on the port so far), so the
 *    station knows what is in flight towards the page and waits when the page falls behind, as it does for a
 *    socket that backs up.
 */
import type { ReplayPortClosed, ReplayPortOpened, ReplayPortRequest } from '../../common/api/contract.js';
import { asArrayBuffer, desktopPort } from '../api/desktop-port.js';

/** What one stream delivers (the same events a WebSocket to /ws/replay gives). */
export interface ReplayStreamHandlers {
  open(): void;
  text(text: string): void;
  binary(frame: ArrayBuffer): void;
  closed(): void;
}

/** One stream, as a socket is one: send controls (JSON text), close it. */
export interface ReplayConnection {
  send(text: string): boolean;
  close(): void;
}

export class ReplayPortRouter {
  private nextStream = 1;
  private current: { stream: number; h: ReplayStreamHandlers; opened: boolean } | undefined;
  private received = 0;

  constructor(private readonly port: MessagePort) {
    port.onmessage = (ev: MessageEvent<unknown>) => this.onMessage(ev.data);
  }

  /** Open a flight's video; a stream still open on this page ends (it gets nothing more). */
  open(flight: string, h: ReplayStreamHandlers): ReplayConnection {
    const stream = this.nextStream++;
    this.current = { stream, h, opened: false };
    this.post({ type: 'replay-open', stream, flight });
    const mine = () => this.current?.stream === stream;
    return {
      send: (text) => {
        if (!mine() || !this.current!.opened) return false;
        this.port.postMessage(text);
        return true;
      },
      close: () => {
        if (!mine()) return;
        this.current = undefined;
        this.post({ type: 'replay-close', stream });
      },
    };
  }

  close(): void {
    this.current = undefined;
    this.port.onmessage = null;
    this.port.close();
  }

  private post(m: ReplayPortRequest): void {
    this.port.postMessage(JSON.stringify(m));
  }

  private onMessage(data: unknown): void {
    const c = this.current;
    if (typeof data === 'string') {
      let m: Partial<ReplayPortOpened | ReplayPortClosed> | null = null;
      try {
        m = JSON.parse(data) as Partial<ReplayPortOpened | ReplayPortClosed> | null;
      } catch {
        return;
      }
      if (m?.type === 'replay-opened') {
        if (c && m.stream === c.stream) {
          c.opened = true;
          c.h.open();
        }
        return;
      }
      if (m?.type === 'replay-closed') {
        if (c?.opened && m.stream === c.stream) {
          this.current = undefined;
          c.h.closed();
        }
        return;
      }
      if (c?.opened) c.h.text(data);
      return;
    }
    const buf = asArrayBuffer(data);
    if (!buf) return;
    this.received += buf.byteLength;
    this.post({ type: 'ack', bytes: this.received });
    if (c?.opened) c.h.binary(buf);
  }
}

const port = desktopPort('kongxun:replay-port', (p) => new ReplayPortRouter(p));

/** Starts listening for the replay port; renderer/main.tsx calls it first thing, before the preload can post. */
export const listenForReplayPort = port.listen;

/** The page's replay port router, or undefined when this page has none (a browser: the WebSocket instead). */
export const replayPort = port.get;
