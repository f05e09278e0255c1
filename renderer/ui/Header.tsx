/** The console's header: station, link, views, basemap, language. */
import type { Basemap, View } from '../state/store.js';
import { useConsole, useSel, useT } from './context.js';
import { signOut } from './SignIn.js';

const VIEWS: { view: View; key: 'viewDesk' | 'viewTimeline' | 'viewWall' | 'viewPlanner' | 'viewReplay' | 'viewAudit' | 'viewReport' }[] = [
  { view: 'desk', key: 'viewDesk' },
  { view: 'timeline', key: 'viewTimeline' },
  { view: 'wall', key: 'viewWall' },
  { view: 'planner', key: 'viewPlanner' },
  { view: 'replay', key: 'viewReplay' },
  { view: 'audit', key: 'viewAudit' },
  { view: 'report', key: 'viewReport' },
];

/** "UTC+8" for the zone at that instant. */
export function utcOffset(tz: string, atMs: number): string {
  try {
    const name = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'shortOffset' }).formatToParts(new Date(atMs)).find((p) => p.type === 'timeZoneName')?.value ?? '';
    return name.replace(/^GMT/, 'UTC') || 'UTC';
  } catch {
    return '';
  }
}

export function Header() {
  const { store } = useConsole();
  const t = useT();
  const link = useSel((s) => s.link);
  const station = useSel((s) => s.station);
  const simulated = useSel((s) => s.simulated);
  const lang = useSel((s) => s.lang);
  const view = useSel((s) => s.view);
  const basemap = useSel((s) => s.basemap);
  const tiles = useSel((s) => s.tiles);
  const key = useSel((s) => s.tiandituKey);
  const who = useSel((s) => s.who);
  const tz = useSel((s) => s.timezone);
  const atMs = useSel((s) => Math.floor(s.atMs / 3_600_000));
  const go = (v: View) => {
    store.setState({ view: v });
    const u = new URL(location.href);
    u.searchParams.set('view', v);
    // The replay's open flight is in the address only while the replay is shown.
    const flight = store.getState().replayFlight;
    if (v === 'replay' && flight) u.searchParams.set('flight', flight);
    else u.searchParams.delete('flight');
    history.replaceState(null, '', u);
  };
  const maps: Basemap[] = ['none', ...(tiles ? (['offline'] as const) : []), 'osm', 'tianditu', 'amap'];
  return (
    <header>
      <h1>{t('title')}</h1>
      <span className="station" data-testid="station">{station}{simulated ? ` · ${t('simulated')}` : ''}</span>
      <nav>
        {VIEWS.map((v) => (
          <button key={v.view} data-testid={`view-${v.view}`} className={view === v.view ? 'active' : ''} onClick={() => go(v.view)}>
            {t(v.key)}
          </button>
        ))}
        {who?.role === 'admin' && (
          <button data-testid="view-users" className={view === 'users' ? 'active' : ''} onClick={() => go('users')}>
            {t('viewUsers')}
          </button>
        )}
      </nav>
      <span className="spacer" />
      <label className="basemap">
        {t('basemap')}
        <select data-testid="basemap" value={basemap} onChange={(e) => store.setState({ basemap: e.target.value as Basemap })}>
          {maps.map((m) => <option key={m} value={m}>{t(`basemap.${m}`)}</option>)}
        </select>
      </label>
      {basemap === 'tianditu' && (
        <input
          className="tk"
          placeholder={t('tiandituKey')}
          value={key}
          onChange={(e) => {
            store.setState({ tiandituKey: e.target.value });
            localStorage.setItem('kongxun.tiandituKey', e.target.value);
          }}
        />
      )}
      {/* Every time on every screen is the station's: said once, here. */}
      <span className="tz muted" data-testid="station-tz" title={t('timeZoneShown', { tz })}>{tz} {utcOffset(tz, atMs * 3_600_000 || Date.now())}</span>
      <span className={`link ${link}`} data-testid="link">{t(link)}</span>
      {who && (
        <span className="who" data-testid="who">
          {who.desktop ? t('desktopUser') : who.user} · {t(`role.${who.role}`)}
        </span>
      )}
      {who && !who.desktop && (
        <button data-testid="sign-out" onClick={() => void signOut()}>
          {t('signOut')}
        </button>
      )}
      <button data-testid="lang" onClick={() => store.setState({ lang: lang === 'zh-CN' ? 'en' : 'zh-CN' })}>{t('language')}</button>
    </header>
  );
}
