/**
 * Electron main process: thin by design. It starts the station core in-process (the same `startStationService`
 * that `kongxun serve` runs), then opens the dispatch desk window on the app's own origin, `kongxun://app/`: a
 * privileged custom scheme (standard, secure) whose requests — the page, its scripts, flights, tiles, video
 * status, plan files — this process answers in-process with the console server's own request handling
 * (`service.fetch`: the same guard, routes and session check as over HTTP). The app opens no TCP port for its
 * own windows; the console's port opens only when consoles in browsers are wanted (`--lan` or KONGXUN_LAN=1:
 * http://127.0.0.1:8080, or the next free port, with the first-administrator link printed). Windows are
 * sandboxed with context isolation, the CSP comes with every answer, navigation off the app's origin is blocked.
 * The day shown is chosen and planned as `kongxun serve` does it (station/app/own-day.ts): the station's own day,
 * planned into the data folder and followed past midnight, so the desk shows the day a browser console shows.
 * With a second display it also opens the wall screen there. New windows are denied, except one kind: a drone's
 * video in a window of its own (`kongxun://app/?view=video&drone=ID`, the console's "open in window" button),
 * placed on the second display when there is one. URL checks: electron/app-url.ts.
 *
 * Transport: each page load gets three MessageChannelMains, posted to the page through the preload, which hands
 * them to the page's main world; a reload gets fresh ones, and a page's ports close when it goes. On
 * 'kongxun:port' the station end is a console peer (the same messages as its WebSocket; renderer/api/client.ts:
 * one client, two transports). On 'kongxun:video-port' the station end attaches to the video hub for the drones
 * the page subscribes to (`{type:'subscribe', drones}`), and every frame goes to the page as an ArrayBuffer
 * (renderer/video/port.ts routes it to the drone's decoder worker). On 'kongxun:replay-port' the station end is
 * the replay screen's recorded video, the same peer as `/ws/replay` (station/server/replay-port.ts: the page
 * opens a flight's stream, then plays, pauses and seeks it; every message checked; the window's session must
 * hold the replay right, as the socket requires; renderer/replay/video-link.ts: one client, two transports).
 *
 * Sign-in: the desktop app's own windows are signed in at each launch, without a password. The station core in
 * this process makes a per-launch session for the desktop principal (`desktop`, pilot); this process vouches for
 * it on every request of the scheme (the secret never reaches the page, not even as a cookie), and the console
 * protocol flows over the MessagePort this process made, which no other program can reach. Consoles in a
 * browser sign in with an account as everywhere else.
 */
import { app, BrowserWindow, MessageChannelMain, protocol, screen, session, shell, type WebContents } from 'electron';
import { join } from 'node:path';
import { startStationService, type StationService } from '../station/service.js';
import { installLastResort } from '../station/last-resort.js';
import { dayPlanOptions, dayShown } from '../station/app/own-day.js';
import { APP_PRIVILEGES, APP_SCHEME, appPage, isAppUrl, lanWanted, videoWindowDrone } from './app-url.js';
import type { VideoPeer } from '../station/video/hub.js';

let service: StationService | undefined;

const secureWebPreferences = (): Electron.WebPreferences => ({
  preload: join(__dirname, 'preload.cjs'),
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  webSecurity: true,
});

let videoWindows = 0;

/** On the second display when there is one (the wall screen's), else beside the window that opened it. */
function videoWindowBounds(opener: BrowserWindow): Electron.Rectangle {
  const primary = screen.getPrimaryDisplay();
  const second = screen.getAllDisplays().find((d) => d.id !== primary.id);
  const step = (videoWindows % 8) * 32;
  if (second) {
    const a = second.workArea;
    const width = Math.min(1280, a.width);
    const height = Math.min(760, a.height);
    return { x: a.x + Math.round((a.width - width) / 2) + step, y: a.y + Math.round((a.height - height) / 2) + step, width, height };
  }
  const b = opener.getBounds();
  return { x: b.x + 60 + step, y: b.y + 60 + step, width: 960, height: 580 };
}

// Before the app is ready, as Electron requires: the app's own scheme, standard and secure.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { ...APP_PRIVILEGES } }]);

function secureWindow(win: BrowserWindow): void {
  win.webContents.setWindowOpenHandler(({ url }) => {
    const drone = videoWindowDrone(url);
    if (drone !== undefined) {
      return {
        action: 'allow',
        overrideBrowserWindowOptions: {
          ...videoWindowBounds(win),
          title: `${drone} · 空巡 Kongxun`,
          backgroundColor: '#05080f',
          autoHideMenuBar: true,
          webPreferences: secureWebPreferences(),
        },
      };
    }
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  // The window the handler allowed: as locked down as this one, and its own ports on every load.
  win.webContents.on('did-create-window', (child) => {
    videoWindows++;
    child.once('closed', () => videoWindows--);
    adopt(child);
  });
  // The app's origin exactly (scheme and host; a prefix test would let kongxun://app.evil through).
  win.webContents.on('will-navigate', (e, url) => {
    if (!isAppUrl(url)) e.preventDefault();
  });
}

/**
 * Runs `gone` once when this page goes away: the window closes, or its main frame navigates to another
 * document (a reload). Same-document navigations (the console's history.replaceState on a view switch) keep it.
 */
function onPageGone(win: BrowserWindow, gone: () => void): void {
  const wc: WebContents = win.webContents;
  let done = false;
  const nav = (e: Electron.Event<Electron.WebContentsDidStartNavigationEventParams>) => {
    if (e.isMainFrame === false || e.isSameDocument === true) return;
    once();
  };
  const once = () => {
    if (done) return;
    done = true;
    wc.off('did-start-navigation', nav);
    win.off('closed', once);
    gone();
  };
  wc.on('did-start-navigation', nav);
  win.once('closed', once);
}

/** A fresh MessagePort per page load: the station end is a console peer, the page end goes to the preload. */
function givePort(win: BrowserWindow): void {
  if (!service) return;
  const { port1, port2 } = new MessageChannelMain();
  const listeners = new Set<(text: string) => void>();
  port1.on('message', (e) => {
    // Text only (the console's JSON); its size and shape are checked by the station (parseClientMessage).
    if (typeof e.data !== 'string') return;
    for (const l of listeners) l(e.data);
  });
  const detach = service.attachConsole({
    // The desk's own window: the person at the station's desktop app acts as a pilot (see the file's comment).
    who: { kind: 'user', user: 'desktop', role: 'pilot', from: 'desktop', via: 'desktop' },
    send: (text) => port1.postMessage(text),
    onMessage: (cb) => {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
  });
  port1.on('close', detach);
  onPageGone(win, detach);
  port1.start();
  win.webContents.postMessage('kongxun:port', null, [port2]);
}

/** What the page may send on the video port. */
type VideoPortMessage = { type: 'subscribe'; drones: unknown; preview?: unknown } | { type: 'ack'; bytes: unknown };

/**
 * A fresh video port per page load, when the station has a video hub (it may have no sources yet). The page
 * subscribes to the drones it shows; each drone is its own hub peer, so adding a drone does not make the others
 * wait for a keyframe. A frame is posted as an ArrayBuffer (copied once into the IPC message; the hub's buffer is
 * shared by every peer and is never transferred). The page acknowledges the bytes it has received, so
 * `buffered()` is what is in flight towards it, and the hub's latency guard works as for a WebSocket.
 */
function giveVideoPort(win: BrowserWindow): void {
  const hub = service?.video;
  if (!hub) return;
  const { port1, port2 } = new MessageChannelMain();
  const peers = new Map<string, { peer: VideoPeer; detach: () => void }>();
  let sentBytes = 0;
  let ackedBytes: number | undefined;
  let lastText: string | undefined;
  let open = true;
  const peer: VideoPeer = {
    sendBinary: (b) => {
      sentBytes += b.byteLength;
      const whole = b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer;
      port1.postMessage(whole ? b.buffer : b.slice().buffer);
    },
    sendText: (t) => {
      // Every drone's peer gets the same status broadcast: pass it on once.
      if (t === lastText) return;
      lastText = t;
      setImmediate(() => lastText === t && (lastText = undefined));
      port1.postMessage(t);
    },
    // Pages that never acknowledge (none of ours) are treated as never backing up.
    buffered: () => (ackedBytes === undefined ? 0 : Math.max(0, sentBytes - ackedBytes)),
  };
  const strings = (a: unknown): string[] => (Array.isArray(a) ? a.filter((d): d is string => typeof d === 'string').slice(0, 64) : []);
  // `preview`: the drones shown only as previews (the wall's tiles not in focus: sub-stream or keyframes only).
  const subscribe = (drones: string[], preview: string[]) => {
    const want = new Set(open ? drones : []);
    const small = new Set(preview);
    for (const [d, p] of peers) {
      if (want.has(d)) continue;
      p.detach();
      peers.delete(d);
    }
    for (const d of want) {
      const cur = peers.get(d);
      if (cur) hub.setMode(cur.peer, d, small.has(d) ? 'preview' : 'full');
      else {
        const one = { ...peer };
        peers.set(d, { peer: one, detach: hub.attach(one, [d], small.has(d) ? [d] : []) });
      }
    }
  };
  port1.on('message', (e) => {
    const m = e.data as VideoPortMessage | null;
    if (m?.type === 'subscribe' && Array.isArray(m.drones)) subscribe(strings(m.drones), strings(m.preview));
    else if (m?.type === 'ack' && typeof m.bytes === 'number') ackedBytes = m.bytes;
  });
  const close = () => {
    if (!open) return;
    subscribe([], []);
    open = false;
    port1.close();
  };
  port1.on('close', close);
  onPageGone(win, close);
  port1.start();
  win.webContents.postMessage('kongxun:video-port', null, [port2]);
}

/**
 * A fresh replay port per page load, for the replay screen's recorded video (the page has no WebSocket for
 * /ws/replay). The station end is the same replay peer the socket gets, checked the same way (the session this
 * process vouches for must hold the replay right) and with the same limits on what the page sends
 * (station/server/replay-port.ts). A frame is posted as an ArrayBuffer; the page acknowledges the bytes.
 */
function giveReplayPort(win: BrowserWindow, token: string): void {
  if (!service) return;
  const { port1, port2 } = new MessageChannelMain();
  let open = true;
  // Nothing is posted once the page has gone: the station end stops its stream when closed (a test holds it).
  const close = service.attachReplay(
    {
      postText: (t) => port1.postMessage(t),
      postBinary: (b) => {
        const whole = b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer;
        port1.postMessage(whole ? b.buffer : b.slice().buffer);
      },
      onMessage: (cb) => {
        const h = (e: Electron.MessageEvent) => cb(e.data);
        port1.on('message', h);
        return () => port1.off('message', h);
      },
    },
    token,
  );
  const gone = () => {
    if (!open) return;
    open = false;
    close();
    port1.close();
  };
  port1.on('close', gone);
  onPageGone(win, gone);
  port1.start();
  win.webContents.postMessage('kongxun:replay-port', null, [port2]);
}

/** The windows' per-launch session (set once the station runs). */
let desktopToken: string | undefined;

/** Locks a window down and gives its page the station's ports on every load. */
function adopt(win: BrowserWindow): void {
  secureWindow(win);
  win.webContents.on('did-finish-load', () => {
    givePort(win);
    giveVideoPort(win);
    if (desktopToken !== undefined) giveReplayPort(win, desktopToken);
  });
}

function openWindow(bounds?: Electron.Rectangle, view = 'desk'): BrowserWindow {
  const win = new BrowserWindow({
    ...(bounds ?? { width: 1440, height: 900 }),
    title: '空巡 Kongxun',
    backgroundColor: '#0f172a',
    webPreferences: secureWebPreferences(),
  });
  adopt(win);
  void win.loadURL(appPage(view));
  return win;
}

async function start(): Promise<void> {
  installLastResort((line) => console.error(line));
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, cb) => cb(false));
  // The sample station ships beside the app (electron-builder.yml `files`); the bundled main cannot find it
  // from its own path.
  process.env.KONGXUN_SAMPLES ??= join(app.getAppPath(), 'resources', 'samples');
  const lan = lanWanted(process.argv, process.env);
  const dataDir = app.getPath('userData');
  // The day the desk shows, chosen and planned as `kongxun serve` does without flags (station/app/own-day.ts):
  // the station's own day, and each new one past midnight, station time (the app runs no patrol runner).
  const day = await dayPlanOptions(dayShown({}), { dataDir, log: (l) => console.log(l), nowMs: Date.now() });
  const started = await startStationService({
    // No TCP port unless consoles in browsers are wanted; then the usual one, or the next free.
    listen: lan,
    port: lan ? 8080 : 0,
    anyPortIfTaken: true,
    dataDir,
    staticDir: join(__dirname, '..', 'renderer'),
    ...day,
    log: (line) => console.log(line),
  });
  if (!started.ok) {
    console.error(started.reason);
    app.exit(2);
    return;
  }
  service = started.value;
  const svc = service;
  // The windows' per-launch session (never printed, never stored, never given to the page; ends when the app quits).
  const desktop = svc.auth.desktopSession('pilot');
  desktopToken = desktop;
  protocol.handle(APP_SCHEME, (request) => svc.fetch(request, { session: desktop, from: 'desktop' }));
  openWindow();
  if (lan) {
    console.log(`kongxun: consoles in browsers on this machine: ${svc.url}`);
    // Browsers sign in with accounts; the first one comes from this link.
    const setup = svc.setupUrl();
    if (setup) console.log(`kongxun: no users yet; create the first administrator (管理员) at ${setup}`);
  }
  const displays = screen.getAllDisplays();
  const primary = screen.getPrimaryDisplay();
  const second = displays.find((d) => d.id !== primary.id);
  if (second) openWindow(second.bounds, 'wall');
}

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-attach-webview', (e) => e.preventDefault());
});
app.on('window-all-closed', () => app.quit());
// Quitting waits for the service's teardown (what the drones learned is written then: docs/battery.md), at
// most 10 s, then quits for real.
let stopping = false;
app.on('before-quit', (e) => {
  if (!service || stopping) return;
  stopping = true;
  e.preventDefault();
  const bound = new Promise<void>((resolve) => setTimeout(resolve, 10_000).unref());
  void Promise.race([service.close(), bound]).finally(() => app.quit());
});
app.whenReady().then(start, (e: unknown) => {
  console.error(e);
  app.exit(1);
});
