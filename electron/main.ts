/**
 * Electron main process: thin by design. It starts the station core in-process (the same `startStationService`
 * that `kongxun serve` runs), then opens the dispatch desk window on the core's console URL (127.0.0.1, an
 * ephemeral port), sandboxed with context isolation, a strict CSP from the page, navigation and new windows
 * blocked. With a second display it also opens the wall screen there.
 *
 * Transport: each window gets its own MessageChannelMain; one end is attached to the console server as a
 * peer (the same messages as its WebSocket), the other is posted to the page through the preload, which hands
 * it to the page's main world (renderer/api/client.ts: one client, two transports). KONGXUN_TRANSPORT=ws
 * keeps the WebSocket instead.
 */
import { app, BrowserWindow, MessageChannelMain, screen, session, shell } from 'electron';
import { join } from 'node:path';
import { startStationService, type StationService } from '../station/service.js';

let service: StationService | undefined;

function secureWindow(win: BrowserWindow, origin: string): void {
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (e, url) => {
    if (!url.startsWith(origin)) e.preventDefault();
  });
}

/** A fresh MessagePort per page load: the station end is a console peer, the page end goes to the preload. */
function givePort(win: BrowserWindow): void {
  if (!service) return;
  const { port1, port2 } = new MessageChannelMain();
  const listeners = new Set<(text: string) => void>();
  port1.on('message', (e) => {
    for (const l of listeners) l(String(e.data));
  });
  const detach = service.attachConsole({
    send: (text) => port1.postMessage(text),
    onMessage: (cb) => {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
  });
  port1.on('close', detach);
  win.webContents.once('did-start-navigation', detach);
  win.once('closed', detach);
  port1.start();
  win.webContents.postMessage('kongxun:port', null, [port2]);
}

function openWindow(url: string, bounds?: Electron.Rectangle, view = 'desk'): BrowserWindow {
  const win = new BrowserWindow({
    ...(bounds ?? { width: 1440, height: 900 }),
    title: '空巡 Kongxun',
    backgroundColor: '#0f172a',
    webPreferences: {
      preload: join(__dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  secureWindow(win, new URL(url).origin);
  if (process.env.KONGXUN_TRANSPORT !== 'ws') win.webContents.on('did-finish-load', () => givePort(win));
  void win.loadURL(`${url}?view=${view}`);
  return win;
}

async function start(): Promise<void> {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, cb) => cb(false));
  // The sample station ships beside the app (electron-builder.yml `files`); the bundled main cannot find it
  // from its own path.
  process.env.KONGXUN_SAMPLES ??= join(app.getAppPath(), 'resources', 'samples');
  const started = await startStationService({
    port: 0,
    dataDir: app.getPath('userData'),
    staticDir: join(__dirname, '..', 'renderer'),
    log: (line) => console.log(line),
  });
  if (!started.ok) {
    console.error(started.reason);
    app.exit(2);
    return;
  }
  service = started.value;
  openWindow(service.url);
  const displays = screen.getAllDisplays();
  const primary = screen.getPrimaryDisplay();
  const second = displays.find((d) => d.id !== primary.id);
  if (second) openWindow(service.url, second.bounds, 'wall');
}

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-attach-webview', (e) => e.preventDefault());
});
app.on('window-all-closed', () => app.quit());
app.on('before-quit', () => {
  void service?.close();
});
app.whenReady().then(start, (e: unknown) => {
  console.error(e);
  app.exit(1);
});
