// A stand-in for the `electron` module, for running the real bundled main process (out/electron/main.cjs) in
// plain Node: Electron's binary cannot be downloaded on our build machines. It records what the main process
// asks of Electron (windows, their options and URLs, the MessagePorts it hands to each page, the window-open
// handler's answers) and reports it to the test over the child-process IPC channel. The test drives it back
// over the same channel: open a URL from a window (as window.open would), subscribe a page to video, close a
// window, send on a page's replay port or close it. Only what electron/main.ts uses is provided.
// KONGXUN_FAKE_USER_DATA: the app's data folder (a test puts a recorded flight there); else a fresh one.
const Module = require('node:module');
const { EventEmitter } = require('node:events');
const { MessageChannel } = require('node:worker_threads');
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const report = (m) => process.send && process.send(m);
const appEvents = new EventEmitter();
const userData = process.env.KONGXUN_FAKE_USER_DATA || mkdtempSync(join(tmpdir(), 'kongxun-electron-'));

const app = {
  whenReady: () => Promise.resolve(),
  on: (ev, fn) => (appEvents.on(ev, fn), app),
  getPath: (name) => (name === 'userData' ? userData : tmpdir()),
  getAppPath: () => process.cwd(),
  exit: (code) => (report({ type: 'exit', code }), process.exit(code)),
  // As Electron's: a before-quit listener may cancel the quit (preventDefault) and quit again later.
  quit: () => {
    let prevented = false;
    appEvents.emit('before-quit', { preventDefault: () => (prevented = true) });
    if (!prevented) setTimeout(() => process.exit(0), 500);
  },
};

class MessagePortMain extends EventEmitter {
  constructor(port) {
    super();
    this.port = port;
    this.closed = false;
    port.on('message', (data) => this.emit('message', { data }));
    // Closed from the page's side too: anything posted after that is a leak as well.
    port.on('close', () => {
      this.closed = true;
      this.emit('close');
    });
  }
  postMessage(m) {
    // Something still sending on a port its owner closed (a video peer left attached to the hub) is a leak.
    if (this.closed) report({ type: 'posted-after-close', window: this.window, channel: this.channel });
    else this.port.postMessage(m);
  }
  start() {}
  close() {
    this.closed = true;
    this.port.close();
  }
}

const stationEnds = new Map(); // page end (Node port) → station end (MessagePortMain)
class MessageChannelMain {
  constructor() {
    const { port1, port2 } = new MessageChannel();
    this.port1 = new MessagePortMain(port1);
    this.port2 = port2; // the page's end: kept as a plain Node port for the test to talk through
    stationEnds.set(port2, this.port1);
  }
}

/** The drone id in a binary video frame's header (common/video-wire.ts). */
function frameDrone(buf) {
  const b = new Uint8Array(buf);
  return Buffer.from(b.subarray(4, 4 + b[3])).toString('utf8');
}

/** The arrival time (Unix ms) and frame number in a binary video frame's header (common/video-wire.ts). */
function frameTimes(buf) {
  const b = new Uint8Array(buf);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const o = 4 + b[3];
  return { arrivalMs: v.getFloat64(o + 8), seq: v.getUint32(o + 16) };
}

let windows = 0;
const byId = new Map();
class BrowserWindow extends EventEmitter {
  constructor(options) {
    super();
    this.id = ++windows;
    byId.set(this.id, this);
    this.options = options;
    this.videoPort = undefined;
    const wc = new EventEmitter();
    wc.setWindowOpenHandler = (fn) => (this.openHandler = fn);
    wc.postMessage = (channel, _msg, ports) => {
      const port = ports && ports[0];
      report({ type: 'port', window: this.id, channel });
      if (!port) return;
      const end = stationEnds.get(port);
      if (end) Object.assign(end, { window: this.id, channel });
      if (channel === 'kongxun:video-port') return this.pageVideo(port);
      if (channel === 'kongxun:replay-port') return this.pageReplay(port);
      port.on('message', (data) => report({ type: 'port-message', window: this.id, data: String(data) }));
      port.postMessage(JSON.stringify({ type: 'command', requestId: 'electron-test', sysid: 11, command: 'mode', mode: 'LOITER' }));
    };
    this.webContents = wc;
  }
  /** The page's side of the video port, as renderer/video/port.ts does it: frames are acknowledged. */
  pageVideo(port) {
    this.videoPort = port;
    let received = 0;
    port.on('message', (data) => {
      if (typeof data === 'string') return report({ type: 'video-text', window: this.id, data });
      received += data.byteLength;
      port.postMessage({ type: 'ack', bytes: received });
      report({ type: 'video-frame', window: this.id, drone: frameDrone(data), bytes: data.byteLength, arrayBuffer: data instanceof ArrayBuffer, keyframe: (new Uint8Array(data)[1] & 1) === 1, keyOnly: (new Uint8Array(data)[1] & 16) === 16 });
    });
    port.on('close', () => this.videoPort !== port || report({ type: 'video-port-closed', window: this.id }));
  }
  /** The page's side of the replay port, as renderer/replay/port.ts does it: frames are acknowledged (JSON text). */
  pageReplay(port) {
    this.replayPort = port;
    let received = 0;
    port.on('message', (data) => {
      if (typeof data === 'string') return report({ type: 'replay-text', window: this.id, data });
      received += data.byteLength;
      port.postMessage(JSON.stringify({ type: 'ack', bytes: received }));
      report({ type: 'replay-frame', window: this.id, drone: frameDrone(data), bytes: data.byteLength, arrayBuffer: data instanceof ArrayBuffer, keyframe: (new Uint8Array(data)[1] & 1) === 1, ...frameTimes(data) });
    });
    port.on('close', () => this.replayPort !== port || report({ type: 'replay-port-closed', window: this.id }));
  }
  getBounds() {
    const o = this.options;
    return { x: o.x ?? 0, y: o.y ?? 0, width: o.width, height: o.height };
  }
  loadURL(url) {
    const denied = this.openHandler ? this.openHandler({ url: 'https://example.com/' }).action : 'none';
    const nav = { prevented: false, preventDefault() { this.prevented = true; } };
    this.webContents.emit('will-navigate', nav, 'https://evil.example/');
    // Node's URL says "null" for a custom scheme's origin: scheme and host, as Chromium sees the origin.
    const u = new URL(url);
    const origin = `${u.protocol}//${u.host}`;
    // A look-alike whose URL starts with the app's origin (kongxun://app → kongxun://app0), and another scheme
    // whose origin Node would also call "null".
    const lookalike = { prevented: false, preventDefault() { this.prevented = true; } };
    this.webContents.emit('will-navigate', lookalike, `${origin}0/`);
    const other = { prevented: false, preventDefault() { this.prevented = true; } };
    this.webContents.emit('will-navigate', other, 'evil://app/');
    const own = { prevented: false, preventDefault() { this.prevented = true; } };
    this.webContents.emit('will-navigate', own, `${origin}/?view=timeline`);
    report({ type: 'window', window: this.id, url, options: this.options, newWindow: denied, foreignNavigationBlocked: nav.prevented && lookalike.prevented && other.prevented && !own.prevented });
    setTimeout(() => this.webContents.emit('did-finish-load'), 50);
    return Promise.resolve();
  }
  /** What Electron does on the page's window.open(url, name, 'popup'). */
  windowOpen(url) {
    const r = this.openHandler({ url, frameName: 'kongxun-test', features: 'popup', disposition: 'new-window' });
    report({ type: 'open', window: this.id, url, action: r.action, options: r.overrideBrowserWindowOptions });
    if (r.action !== 'allow') return;
    const child = new BrowserWindow(r.overrideBrowserWindowOptions ?? {});
    this.webContents.emit('did-create-window', child, { url });
    void child.loadURL(url);
  }
  /** A main-frame navigation: same-document (history.replaceState) or a new document (a reload). */
  navigate(sameDocument) {
    this.webContents.emit('did-start-navigation', { url: '', isSameDocument: sameDocument, isMainFrame: true });
    if (!sameDocument) setTimeout(() => this.webContents.emit('did-finish-load'), 50);
  }
  close() {
    this.emit('closed');
    report({ type: 'closed', window: this.id });
  }
}

const displays = [
  { id: 1, bounds: { x: 0, y: 0, width: 1920, height: 1080 }, workArea: { x: 0, y: 0, width: 1920, height: 1040 } },
  { id: 2, bounds: { x: 1920, y: 0, width: 3840, height: 2160 }, workArea: { x: 1920, y: 0, width: 3840, height: 2120 } },
];
// The app's scheme: registered before ready, answered by the main process's handler (a real fetch Request in,
// a Response out); the test asks for URLs through it as a page of the scheme would.
const schemes = new Map();
const protocol = {
  registerSchemesAsPrivileged: (list) => report({ type: 'schemes', schemes: list, ready: appReady }),
  handle: (scheme, fn) => schemes.set(scheme, fn),
};
let appReady = false;
app.whenReady = () => Promise.resolve().then(() => (appReady = true));
async function schemeFetch(url, init) {
  const handler = schemes.get(new URL(url).protocol.slice(0, -1));
  if (!handler) return report({ type: 'fetched', url, status: -1 });
  const res = await handler(new Request(url, init));
  const headers = {};
  res.headers.forEach((v, k) => (headers[k] = v));
  report({ type: 'fetched', url, status: res.status, headers, body: await res.text() });
}
/** The TCP servers listening in this process (the desktop app opens none without --lan). */
function listening() {
  const net = require('node:net');
  return process._getActiveHandles().filter((h) => h instanceof net.Server && h.listening).map((h) => h.address());
}

const electron = {
  app,
  protocol,
  BrowserWindow,
  MessageChannelMain,
  screen: { getAllDisplays: () => displays, getPrimaryDisplay: () => displays[0] },
  session: {
    defaultSession: {
      setPermissionRequestHandler: (fn) => fn(null, 'media', (ok) => report({ type: 'permission', granted: ok })),
      cookies: { set: async (details) => report({ type: 'cookie', cookie: details }) },
      protocol,
    },
  },
  shell: { openExternal: () => Promise.resolve() },
  contextBridge: { exposeInMainWorld: () => undefined },
  ipcRenderer: new EventEmitter(),
};

const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === 'electron') return electron;
  return load.call(this, request, parent, isMain);
};
process.on('message', (m) => {
  if (m === 'quit') return app.quit();
  if (m && m.type === 'fetch') return void schemeFetch(m.url, m.init);
  if (m && m.type === 'listening') return report({ type: 'listening', servers: listening() });
  const win = m && byId.get(m.window);
  if (!win) return;
  if (m.type === 'open') win.windowOpen(m.url);
  else if (m.type === 'video-subscribe') win.videoPort.postMessage({ type: 'subscribe', drones: m.drones, ...(m.preview ? { preview: m.preview } : {}) });
  else if (m.type === 'replay-send') win.replayPort.postMessage(m.data);
  else if (m.type === 'replay-close') win.replayPort.close();
  else if (m.type === 'navigate') win.navigate(m.sameDocument);
  else if (m.type === 'close') win.close();
});
