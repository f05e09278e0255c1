/**
 * A drone's video in a window of its own (`?view=video&drone=ID`), opened by a video's "open in window" button
 * — in the desktop app on the second display. The video fills the window, with its label, badges and snapshot
 * button, and one compact line of telemetry from the store: flight mode, altitude, ground speed, battery.
 */
import { useEffect } from 'react';
import { translate } from '../i18n.js';
import { fmt, useSel, useT } from '../ui/context.js';
import { VideoView } from './VideoView.js';

export function VideoWindow({ drone }: { drone: string | null }) {
  const t = useT();
  const lang = useSel((s) => s.lang);
  const link = useSel((s) => s.link);
  const v = useSel((s) => (drone ? s.vehicles.find((x) => x.id === drone) : undefined));
  useEffect(() => {
    document.title = `${drone ?? ''} · ${translate(lang, 'video')} · 空巡 Kongxun`;
  }, [drone, lang]);
  if (!drone) {
    return (
      <main className="video-window" data-testid="video-window">
        <div className="video-msg">{t('videoNoDrone')}</div>
      </main>
    );
  }
  const batt = v?.batteryPct ?? null;
  const battCls = batt === null ? '' : batt < 25 ? 'bad' : batt < 45 ? 'warn' : 'good';
  return (
    <main className="video-window" data-testid="video-window">
      <VideoView drone={drone} className="fill" popOut={false} />
      <div className="video-telemetry" data-testid="video-telemetry">
        {link !== 'connected' && <span className={`link ${link}`}>{t(link)}</span>}
        {v && !v.connected && <span className="badge lost">{t('lost')}</span>}
        <span className="mode" data-testid="video-mode">{v?.mode ?? '—'}</span>
        <span>{t('altitude')} <b data-testid="video-alt">{fmt(v?.altRelM, 1, ' m')}</b></span>
        <span>{t('speed')} <b>{fmt(v?.groundSpeedMps, 1, ' m/s')}</b></span>
        <span>{t('battery')} <b className={battCls}>{fmt(batt, 0, '%')}</b></span>
      </div>
    </main>
  );
}
