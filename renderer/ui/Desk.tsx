/** The dispatch desk: the map, a card per drone, the selected drone's attitude and commands, events. */
import { useEffect, useRef, useState } from 'react';
import type { VehicleView } from '../../common/api/contract.js';
import { mountAttitude } from '../features/attitude.js';
import { mountMap } from '../features/map.js';
import { batterySourceKey } from '../features/battery-source.js';
import { droneSortie, stationTime } from '../features/sortie.js';
import { useVideoSources } from '../video/sources.js';
import { VideoView } from '../video/VideoView.js';
import { AlertSnapshot } from '../video/AlertSnapshot.js';
import { CameraBar } from '../video/CameraBar.js';
import { CommandBar, CommandResults, ConfirmDialog, OverrideDialog, pickAt } from './Commands.js';
import { InstructionPanel } from './Instructions.js';
import { DispatchPanel, LookDialog } from './Look.js';
import { fmt, fmtDuration, useConsole, useSel, useT, wordEvent } from './context.js';
import { textLevel } from '../features/words.js';
import { mayFly, mayUsePayload } from '../state/store.js';

function gpsText(v: VehicleView, noFix: string): string {
  if (v.gpsFixType === null) return '—';
  if (v.gpsFixType < 2) return noFix;
  return `${v.gpsFixType >= 3 ? '3D' : '2D'} · ${fmt(v.gpsSatellites)}`;
}

/**
 * The battery's time to the reserve: 剩余 in the air (at this flight's power), 可飞 on the ground (what the pack
 * would fly at the drone's learned flight power), 电量学习中 while the station has not learned the pack yet.
 * An older station sends no kind: its figure as it came. Beside the figure, where its energy comes from
 * (本机学习 / 按参数估计: features/battery-source.ts).
 */
function BatteryLeft({ v }: { v: VehicleView }) {
  const t = useT();
  const kind = v.batteryTimeLeftKind;
  if (v.batteryTimeLeftS === null) {
    if (!kind || v.batteryPct === null) return null;
    return <span data-testid="battery-left" title={t('timeLeftLearningTitle')}> · {t('timeLeftLearning')}</span>;
  }
  const ground = kind === 'endurance';
  const source = batterySourceKey(v);
  return (
    <span data-testid="battery-left" data-kind={kind ?? ''} title={kind ? t(ground ? 'timeLeftEnduranceTitle' : 'timeLeftTitle') : undefined}>
      {` · ${t(ground ? 'timeLeftEndurance' : 'timeLeft')} ${fmtDuration(v.batteryTimeLeftS, t)}`}
      {source && (
        <span className="muted" data-testid="battery-source" data-source={v.batteryTimeLeftSource ?? ''} title={t('timeLeftSourceTitle')}>
          {` (${t(source)})`}
        </span>
      )}
    </span>
  );
}

function DroneCard({ v }: { v: VehicleView }) {
  const { store } = useConsole();
  const t = useT();
  const selected = useSel((s) => s.selected === v.sysid);
  // The runner's record for this drone (none without a runner): never the plan's clock.
  const sortieKey = useSel((s) => JSON.stringify(droneSortie(s.actual, v, s.atMs) ?? null));
  const sortie = JSON.parse(sortieKey) as ReturnType<typeof droneSortie> | null;
  const batt = v.batteryPct ?? null;
  const battCls = batt === null ? '' : batt < 25 ? 'bad' : batt < 45 ? 'warn' : 'good';
  const loss = v.linkLossPct;
  const linkCls = loss === null ? '' : loss > 20 ? 'bad' : loss > 5 ? 'warn' : 'good';
  return (
    <div
      className={`card ${v.connected ? '' : 'lost'} ${v.armed ? 'armed' : ''} ${selected ? 'selected' : ''}`}
      data-testid={`drone-${v.id}`}
      onClick={() => store.setState({ selected: v.sysid })}
    >
      <div className="card-head">
        <b className="drone-id">{v.id}</b>
        <span className="sysid">#{v.sysid}</span>
        <span className="mode" data-testid="mode">{v.mode}</span>
        {!v.connected && <span className="badge lost">{t('lost')}</span>}
        <span className={`badge ${v.armed ? 'armed' : ''}`}>{v.armed ? t('armed') : t('disarmed')}</span>
        {(v.signing?.unsignedFrames ?? 0) > 0 && (
          <span className="badge unsigned" data-testid="unsigned" title={t('unsignedTitle', { n: v.signing!.unsignedFrames })}>
            {t('unsignedBadge')}
          </span>
        )}
      </div>
      <div className="grid">
        <span>{t('altitude')}</span><b data-testid="alt">{fmt(v.altRelM, 1, ' m')}</b>
        <span>{t('speed')}</span><b>{fmt(v.groundSpeedMps, 1, ' m/s')}</b>
        <span>{t('battery')}</span>
        <b className={battCls}>
          {fmt(batt, 0, '%')} · {fmt(v.batteryV, 1, ' V')}<BatteryLeft v={v} />
        </b>
        <span>{t('gps')}</span><b>{gpsText(v, t('noFix'))}</b>
        <span>{t('link')}</span><b className={linkCls}>{fmt(loss, 1, '%')}{v.rttMs !== null ? ` · ${fmt(v.rttMs, 0, ' ms')}` : ''}</b>
        {v.signing && (v.signing.signed || v.signing.rejectedFrames > 0) && (
          <>
            <span>{t('rejectedFrames')}</span>
            <b className={v.signing.rejectedFrames > 0 ? 'warn' : ''} data-testid="rejected">{v.signing.rejectedFrames}</b>
          </>
        )}
        <span>{t('sortie')}</span>
        <b data-testid="sortie">
          {sortie ? (
            <>
              {sortie.id}
              {sortie.outcome && <span className={`outcome ${sortie.outcome}`}> · {t(`outcome.${sortie.outcome}`)}</span>}
              {sortie.progress !== null && (
                <>
                  {' '}<span className="progress"><span style={{ width: `${Math.round(sortie.progress * 100)}%` }} /></span> {Math.round(sortie.progress * 100)}%
                </>
              )}
            </>
          ) : (
            t('noSortie')
          )}
        </b>
      </div>
      {v.lastText && <div className={`text ${textLevel(v.lastTextSeverity)}`} data-testid="card-text">{v.lastText}</div>}
    </div>
  );
}

function Attitude() {
  const { store } = useConsole();
  const t = useT();
  const ref = useRef<HTMLCanvasElement>(null);
  const id = useSel((s) => s.vehicles.find((v) => v.sysid === s.selected)?.id);
  useEffect(() => (ref.current ? mountAttitude(ref.current, store) : undefined), [store]);
  return (
    <div className="attitude">
      <div className="panel-title">{t('attitude')} · {id ?? t('selectDrone')}</div>
      <canvas ref={ref} data-testid="attitude" />
    </div>
  );
}

/** The selected drone's live video, when it has a source (or the first drone with video when none is selected). */
function DeskVideo() {
  const t = useT();
  const sources = useVideoSources();
  const selectedId = useSel((s) => s.vehicles.find((v) => v.sysid === s.selected)?.id);
  const payload = useSel((s) => mayUsePayload(s.who));
  if (sources.length === 0) return null;
  const drone = sources.find((s) => s.drone === selectedId)?.drone ?? (selectedId === undefined ? sources[0]!.drone : undefined);
  return (
    <div className="desk-video">
      <div className="panel-title">{t('video')} · {drone ?? selectedId}</div>
      {drone ? <VideoView key={drone} drone={drone} /> : <p className="muted">{t('videoWaiting')}</p>}
      {drone && payload && <CameraBar drone={drone} />}
    </div>
  );
}

export function Events({ limit = 40, warningsOnly = false }: { limit?: number; warningsOnly?: boolean }) {
  const t = useT();
  const events = useSel((s) => s.events);
  const tz = useSel((s) => s.timezone);
  const shown = warningsOnly ? events.filter((e) => e.severity === 'warning' || e.severity === 'alert') : events;
  return (
    <ul className="events" data-testid="events">
      {shown.slice(0, limit).map((e, i) => (
        <li key={`${e.atMs}-${i}`} className={e.severity}>
          <span className="time">{stationTime(e.atMs, tz)}</span> {wordEvent(t, e)}
          {e.snapshot && <AlertSnapshot snapshot={e.snapshot} />}
        </li>
      ))}
    </ul>
  );
}

export function Desk() {
  const { store, client } = useConsole();
  const t = useT();
  const vehicles = useSel((s) => s.vehicles);
  const flies = useSel((s) => mayFly(s.who));
  const admin = useSel((s) => s.who?.role === 'admin');
  const [warningsOnly, setWarningsOnly] = useState(false);
  const mapEl = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!mapEl.current) return;
    const m = mountMap(mapEl.current, store, {
      onPick: (lat, lon) => pickAt(store, client, lat, lon),
      onSelect: (sysid) => store.setState({ selected: sysid }),
      onContext: (lat, lon) => store.setState({ lookAt: { latDeg: lat, lonDeg: lon } }),
    });
    return m.destroy;
  }, [store, client]);
  return (
    <main className="desk">
      <div className="map" ref={mapEl} data-testid="map" />
      <aside className="fleet">
        <div className="panel-title">{t('drones')} ({vehicles.length})</div>
        {vehicles.length === 0 && <p className="muted">{t('noDrones')}</p>}
        {vehicles.map((v) => <DroneCard key={v.sysid} v={v} />)}
      </aside>
      <aside className="control">
        <DeskVideo />
        <Attitude />
        {flies ? <CommandBar /> : <p className="muted read-only" data-testid="read-only">{t(admin ? 'readOnlyAdmin' : 'readOnly')}</p>}
        {flies && <CommandResults />}
        <InstructionPanel />
        <DispatchPanel />
        <div className="panel-title events-title">
          {t('events')}
          {/* Seven drones say a dozen INFO lines each at boot: the duty officer may keep to what needs attention. */}
          <label className="only-warnings">
            <input type="checkbox" data-testid="events-warnings-only" checked={warningsOnly} onChange={(e) => setWarningsOnly(e.target.checked)} />
            {t('eventsWarningsOnly')}
          </label>
        </div>
        <Events warningsOnly={warningsOnly} />
      </aside>
      {flies && <ConfirmDialog />}
      {flies && <OverrideDialog />}
      <LookDialog />
    </main>
  );
}
