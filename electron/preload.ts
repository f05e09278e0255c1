/**
 * Generic, allow-listed preload. It exposes the app version and platform, and relays exactly three IPC
 * channels, each carrying one MessagePort the main process gives the page (fresh at every load), posted to the
 * page's main world as the window message of the same name: 'kongxun:port', the console protocol with the
 * in-process station (renderer/main.tsx takes it), 'kongxun:video-port', the live video frames
 * (renderer/video/port.ts), and 'kongxun:replay-port', the replay screen's recorded video
 * (renderer/replay/port.ts). Nothing else of Electron or Node reaches the sandboxed page.
 */
import { contextBridge, ipcRenderer } from 'electron';

/** The page's window, typed here without the DOM library (electron/ compiles for Node). */
const page = globalThis as unknown as { postMessage(message: string, targetOrigin: string, transfer: unknown[]): void; location: { origin: string } };
const ALLOWED_PORT_CHANNELS = new Set(['kongxun:port', 'kongxun:video-port', 'kongxun:replay-port']);

for (const channel of ALLOWED_PORT_CHANNELS) {
  ipcRenderer.on(channel, (e) => {
    if (e.ports.length === 1) page.postMessage(channel, page.location.origin, [...e.ports]);
  });
}

contextBridge.exposeInMainWorld('kongxun', {
  desktop: true,
  // The app's windows (kongxun://app/) have no WebSocket to fall back on: the console, video and replay flow over the ports.
  ipc: true,
  platform: process.platform,
  versions: { electron: process.versions.electron, chrome: process.versions.chrome },
});
