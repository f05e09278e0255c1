/**
 * "Go and look here" on the desk: right-click the map, set priority, radius and hold time, and the station's
 * dispatcher picks the drone (the nearest patrol drone, never a school post, or a ready docked one). The panel
 * shows each dispatch: which drone goes, its ETA, arrival, and its return to patrol or to its dock.
 */
import { useEffect, useRef, useState } from 'react';
import type { DispatchView } from '../../common/api/contract.js';
import { stationTime } from '../features/sortie.js';
import type { StringKey } from '../i18n.js';
import { dispatchCause, useConsole, useSel, useT, wordSaid } from './context.js';

export function LookDialog() {
  const { store, client } = useConsole();
  const t = useT();
  const at = useSel((s) => s.lookAt);
  const [priority, setPriority] = useState(2);
  const [radiusM, setRadius] = useState(50);
  const [holdS, setHold] = useState(120);
  const send = useRef<HTMLButtonElement>(null);
  useEffect(() => send.current?.focus(), [at]);
  if (!at) return null;
  const close = () => store.setState({ lookAt: null });
  const go = () => {
    client.look({ latDeg: at.latDeg, lonDeg: at.lonDeg, priority, radiusM, holdS });
    close();
  };
  const valid = radiusM >= 0 && radiusM <= 500 && holdS >= 10 && holdS <= 1800;
  return (
    <div className="modal-back" onClick={close}>
      <div className="modal look" role="dialog" aria-modal="true" data-testid="look-dialog" onClick={(e) => e.stopPropagation()} onKeyDown={(e) => e.key === 'Escape' && close()}>
        <h3>{t('lookTitle')}</h3>
        <p className="muted">{at.latDeg.toFixed(6)}, {at.lonDeg.toFixed(6)}</p>
        <label>{t('lookPriority')}
          <select data-testid="look-priority" value={priority} onChange={(e) => setPriority(Number(e.target.value))}>
            {[1, 2, 3].map((p) => <option key={p} value={p}>{t(`prio.${p}` as StringKey)}</option>)}
          </select>
        </label>
        <label>{t('lookRadius')}
          <input data-testid="look-radius" type="number" min={0} max={500} step={10} value={radiusM} onChange={(e) => setRadius(Number(e.target.value))} /> m
        </label>
        <label>{t('lookHold')}
          <input data-testid="look-hold" type="number" min={10} max={1800} step={10} value={holdS} onChange={(e) => setHold(Number(e.target.value))} /> s
        </label>
        <p className="muted">{t('lookWho')}</p>
        <div className="modal-buttons">
          <button data-testid="look-cancel" onClick={close}>{t('cancel')}</button>
          <button data-testid="look-send" className="danger" ref={send} disabled={!valid} onClick={go}>{t('lookSend')}</button>
        </div>
      </div>
    </div>
  );
}

function dispatchLine(t: ReturnType<typeof useT>, d: DispatchView, tz: string): string {
  const who = d.drone ? t('lookGoes', { drone: d.drone, source: t(d.source === 'dock' ? 'lookFromDock' : 'lookFromPatrol') }) : t('lookWaiting');
  const eta = d.etaS !== null ? ` · ${t('lookEta', { min: Math.floor(d.etaS / 60), s: String(d.etaS % 60).padStart(2, '0') })}` : '';
  const arrived = d.arrivedAtMs !== null ? ` · ${t('lookArrived', { at: stationTime(d.arrivedAtMs, tz, true) })}` : '';
  return `${who}${eta}${arrived}`;
}

export function DispatchPanel() {
  const t = useT();
  const dispatches = useSel((s) => s.actual?.dispatches);
  const looks = useSel((s) => s.looks);
  const tz = useSel((s) => s.timezone);
  const refused = looks.filter((l) => l.ok === false).slice(0, 1);
  if (!dispatches?.length && !refused.length) return null;
  return (
    <div className="dispatches" data-testid="dispatches">
      <div className="panel-title">{t('dispatches')}</div>
      {refused.map((l) => <p key={l.requestId} className="refused" data-testid="look-refused">{t('lookRefused')}: {l.reason}</p>)}
      <ul>
        {(dispatches ?? []).slice(0, 4).map((d) => (
          <li key={d.id} className={`dispatch ${d.state}`} data-testid={`dispatch-${d.id}`} data-state={d.state}>
            <b>{d.id}</b> <span className="state">{t(`dstate.${d.state}` as StringKey)}</span> · {t(`prio.${d.request.priority}` as StringKey)}
            <div data-testid="dispatch-line">{dispatchLine(t, d, tz)}</div>
            {d.reason && <div className="muted" data-testid="dispatch-cause">{dispatchCause(t, d)}</div>}
            {(d.notes ?? []).map((n, i) => <div key={i} className="muted" data-testid="dispatch-note">{wordSaid(t, n) ?? n.code}</div>)}
          </li>
        ))}
      </ul>
    </div>
  );
}
