/**
 * Generic, allow-listed preload. It exposes the app version and platform, and relays exactly one IPC
 * channel: 'kongxun:port', the MessagePort the main process gives the page to talk to the in-process station
 * (it is posted to the page's main world as the window message 'kongxun:port'; renderer/main.tsx takes it).
 * Nothing else of Electron or Node reaches the sandboxed page.
 */
import { contextBridge, ipcRenderer } from 'electron';

/** The page's window, typed here without the DOM library (electron/ compiles for Node). */
const page = globalThis as unknown as { postMessage(message: string, targetOrigin: string, transfer: unknown[]): void; location: { origin: string } };
const ALLOWED_PORT_CHANNELS = new Set(['kongxun:port']);
const ipc = process.env.KONGXUN_TRANSPORT !== 'ws';

for (const channel of ALLOWED_PORT_CHANNELS) {
  ipcRenderer.on(channel, (e) => {
    if (e.ports.length === 1) page.postMessage(channel, page.location.origin, [...e.ports]);
  });
}

contextBridge.exposeInMainWorld('kongxun', {
  desktop: true,
  ipc,
  platform: process.platform,
  versions: { electron: process.versions.electron, chrome: process.versions.chrome },
});
