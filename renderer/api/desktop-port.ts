/**
 * A MessagePort the desktop app posts to the page (electron/main.ts → electron/preload.ts → a window message
 * named for its channel), held by one router per page: a new port (a reload of the station end) replaces the
 * router. A page that is not in the app's window (no `kongxun.ipc`), or whose port has not come within
 * PORT_WAIT_MS, gets undefined and uses its WebSocket instead.
 */

/** How long a desktop page waits for a port before falling back to the WebSocket. */
const PORT_WAIT_MS = 5000;

const desktopIpc = () => (window as unknown as { kongxun?: { ipc?: boolean } }).kongxun?.ipc === true;

export interface DesktopPort<R> {
  /** Starts listening; renderer/main.tsx calls it first thing, before the preload can post. */
  listen(): void;
  /** The page's router, or undefined when this page has no such port. */
  get(): Promise<R | undefined>;
}

export function desktopPort<R extends { close(): void }>(channel: string, make: (port: MessagePort) => R): DesktopPort<R> {
  let router: R | undefined;
  let listening = false;
  let gaveUp = false;
  const waiting: ((r: R | undefined) => void)[] = [];
  return {
    listen() {
      if (listening || !desktopIpc()) return;
      listening = true;
      window.addEventListener('message', (ev) => {
        if (ev.data !== channel || !ev.ports[0]) return;
        router?.close();
        router = make(ev.ports[0]);
        for (const w of waiting.splice(0)) w(router);
      });
      setTimeout(() => {
        if (router) return;
        gaveUp = true;
        for (const w of waiting.splice(0)) w(undefined);
      }, PORT_WAIT_MS);
    },
    get() {
      if (router) return Promise.resolve(router);
      if (!listening || gaveUp) return Promise.resolve(undefined);
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
}

/** A port message's binary data as an ArrayBuffer (a view's bytes copied out unless it spans its buffer). */
export function asArrayBuffer(data: unknown): ArrayBuffer | undefined {
  if (data instanceof ArrayBuffer) return data;
  if (ArrayBuffer.isView(data) && data.buffer instanceof ArrayBuffer) {
    const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
    return whole ? data.buffer : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  }
  return undefined;
}
