// A stand-in for the `electron` module, for running the real bundled main process (out/electron/main.cjs) in
// plain Node: Electron's binary cannot be downloaded on our build machines. It records what the main process
// asks of Electron (windows, their options and URLs, the MessagePort it hands to each page) and reports it to
// the test over the child-process IPC channel. Only what electron/main.ts uses is provided.
const Module = require('node:module');
const { EventEmitter } = require('node:events');
const { MessageChannel } = require('node:worker_threads');
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const report = (m) => process.send && process.send(m);
const appEvents = new EventEmitter();
const userData = mkdtempSync(join(tmpdir(), 'kongxun-electron-'));

const app = {
  whenReady: () => Promise.resolve(),
  on: (ev, fn) => (appEvents.on(ev, fn), app),
  getPath: (name) => (name === 'userData' ? userData : tmpdir()),
  getAppPath: () => process.cwd(),
  exit: (code) => (report({ type: 'exit', code }), process.exit(code)),
  quit: () => {
    appEvents.emit('before-quit');
    setTimeout(() => process.exit(0), 500);
  },
};

class MessagePortMain extends EventEmitter {
  constructor(port) {
    super();
    this.port = port;
    port.on('message', (data) => this.emit('message', { data }));
    port.on('close', () => this.emit('close'));
  }
  postMessage(m) {
    this.port.postMessage(m);
  }
  start() {}
  close() {
    this.port.close();
  }
}

class MessageChannelMain {
  constructor() {
    const { port1, port2 } = new MessageChannel();
    this.port1 = new MessagePortMain(port1);
    this.port2 = port2; // the page's end: kept as a plain Node port for the test to talk through
  }
}

let windows = 0;
class BrowserWindow extends EventEmitter {
  constructor(options) {
    super();
    this.id = ++windows;
    this.options = options;
    const wc = new EventEmitter();
    wc.setWindowOpenHandler = (fn) => (this.openHandler = fn);
    wc.postMessage = (channel, _msg, ports) => {
      const port = ports && ports[0];
      report({ type: 'port', window: this.id, channel });
      if (!port) return;
      port.on('message', (data) => report({ type: 'port-message', window: this.id, data: String(data) }));
      port.postMessage(JSON.stringify({ type: 'command', requestId: 'electron-test', sysid: 11, command: 'mode', mode: 'LOITER' }));
    };
    this.webContents = wc;
  }
  loadURL(url) {
    const denied = this.openHandler ? this.openHandler({ url: 'https://example.com/' }).action : 'none';
    const nav = { prevented: false, preventDefault() { this.prevented = true; } };
    this.webContents.emit('will-navigate', nav, 'https://evil.example/');
    report({ type: 'window', window: this.id, url, options: this.options, newWindow: denied, foreignNavigationBlocked: nav.prevented });
    setTimeout(() => this.webContents.emit('did-finish-load'), 50);
    return Promise.resolve();
  }
}

const displays = [
  { id: 1, bounds: { x: 0, y: 0, width: 1920, height: 1080 } },
  { id: 2, bounds: { x: 1920, y: 0, width: 3840, height: 2160 } },
];
const electron = {
  app,
  BrowserWindow,
  MessageChannelMain,
  screen: { getAllDisplays: () => displays, getPrimaryDisplay: () => displays[0] },
  session: { defaultSession: { setPermissionRequestHandler: (fn) => fn(null, 'media', (ok) => report({ type: 'permission', granted: ok })) } },
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
  if (m === 'quit') app.quit();
});
