/**
 * The web console (and the desktop window's page). `?view=desk|timeline|wall|planner|replay|audit` picks the screen; the
 * desktop app opens the wall screen on a second display with `?view=wall`. `?view=video&drone=ID` is one
 * drone's video alone, in the window a video's "open in window" button opens. The station client uses the
 * desktop preload's MessagePort when there is one, else the WebSocket at /ws; live video likewise uses the
 * desktop's video port when there is one (renderer/video/port.ts), else a WebSocket per video; the replay
 * screen's recorded video the desktop's replay port (renderer/replay/port.ts), else `/ws/replay`.
 */
import { StrictMode, useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import 'leaflet/dist/leaflet.css';
import './styles.css';
import { connectStation, messagePortTransport, webSocketTransport, type Transport } from './api/client.js';
import { createConsoleStore, type View } from './state/store.js';
import { Ctx, useConsole, useSel } from './ui/context.js';
import { Desk } from './ui/Desk.js';
import { Header } from './ui/Header.js';
import { Planner } from './ui/Planner.js';
import { Replay } from './replay/Replay.js';
import { Audit } from './ui/Audit.js';
import { Timeline } from './ui/Timeline.js';
import { Wall } from './ui/Wall.js';
import { Report } from './ui/Report.js';
import { listenForVideoPort } from './video/port.js';
import { listenForReplayPort } from './replay/port.js';
import { VideoWindow } from './video/VideoWindow.js';
import { fetchMe, SignIn } from './ui/SignIn.js';
import { Users } from './ui/Users.js';
import { Kiosk } from './video/Kiosk.js';

const VIEWS: View[] = ['desk', 'timeline', 'wall', 'planner', 'replay', 'audit', 'video', 'kiosk', 'users', 'report'];

function App() {
  const { store } = useConsole();
  const view = useSel((s) => s.view);
  const lang = useSel((s) => s.lang);
  useEffect(() => {
    document.documentElement.lang = lang;
    localStorage.setItem('kongxun.lang', lang);
  }, [lang]);
  useEffect(() => {
    const u = new URL(location.href);
    const l = u.searchParams.get('lang');
    if (l === 'en' || l === 'zh-CN') store.setState({ lang: l });
  }, [store]);
  if (view === 'kiosk') {
    return (
      <div className="app view-kiosk">
        <Kiosk />
      </div>
    );
  }
  if (view === 'video') {
    return (
      <div className="app view-video">
        <VideoWindow drone={new URL(location.href).searchParams.get('drone')} />
      </div>
    );
  }
  return (
    <div className={`app view-${view}`}>
      <Header />
      {view === 'desk' && <Desk />}
      {view === 'timeline' && <Timeline />}
      {view === 'wall' && <Wall />}
      {view === 'planner' && <Planner />}
      {view === 'replay' && <Replay />}
      {view === 'users' && <Users />}
      {view === 'audit' && <Audit />}
      {view === 'report' && <Report />}
    </div>
  );
}

/** The desktop preload posts a MessagePort as window message 'kongxun:port' when IPC is on. */
function desktopPort(): Promise<MessagePort | undefined> {
  const w = window as unknown as { kongxun?: { ipc?: boolean } };
  if (!w.kongxun?.ipc) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), 2000);
    window.addEventListener('message', function onMsg(ev) {
      if (ev.data !== 'kongxun:port' || !ev.ports[0]) return;
      clearTimeout(timer);
      window.removeEventListener('message', onMsg);
      resolve(ev.ports[0]);
    });
  });
}

async function start() {
  // Before anything awaits: the preload posts the video and replay ports right after the console port.
  listenForVideoPort();
  listenForReplayPort();
  const params = new URL(location.href).searchParams;
  const v = params.get('view') as View | null;
  const savedLang = localStorage.getItem('kongxun.lang');
  const store = createConsoleStore({
    view: v && VIEWS.includes(v) ? v : 'desk',
    lang: savedLang === 'en' ? 'en' : 'zh-CN',
    tiandituKey: localStorage.getItem('kongxun.tiandituKey') ?? '',
    replayFlight: params.get('flight'),
  });
  // Listen for the desktop port before anything else awaits (the preload posts it once, at load).
  const portReady = desktopPort();
  // Signed in? Otherwise the sign-in page (or, from the setup link, the first-administrator form).
  const me = await fetchMe();
  if (!me.ok) {
    const token = location.pathname === '/setup' ? params.get('token') : null;
    document.documentElement.lang = store.getState().lang;
    createRoot(document.getElementById('root')!).render(
      <StrictMode>
        <SignIn initialLang={store.getState().lang} setupToken={token ?? (me.setup && location.pathname === '/setup' ? '' : null)} />
      </StrictMode>,
    );
    return;
  }
  store.setState({ who: me.who });
  if (location.pathname === '/setup') history.replaceState(null, '', '/');
  const port = await portReady;
  const transport: Transport = port
    ? messagePortTransport(port)
    : webSocketTransport(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  document.documentElement.dataset.transport = port ? 'ipc' : 'ws';
  const client = connectStation(store, transport);
  // Offline tiles are the default basemap when the station serves them.
  const off = store.subscribe((s) => {
    if (s.tiles) {
      off();
      if (store.getState().basemap === 'none') store.setState({ basemap: 'offline' });
    }
  });
  (window as unknown as { kongxunStore?: unknown }).kongxunStore = store;
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <Ctx.Provider value={{ store, client }}>
        <App />
      </Ctx.Provider>
    </StrictMode>,
  );
}

void start();
