/**
 * Commands of the selected drone: buttons, keyboard shortcuts, the confirmation dialog for the dangerous
 * ones (arm, take off, land, force disarm), map picks for go-to and orbit, and each command's result as the
 * station answered it (accepted, or refused with the drone's reason) in the console's language.
 */
import { useEffect, useRef, useState } from 'react';
import { overridable, wordIssue } from '../features/flight-check.js';
import type { VehicleCommand } from '../../common/api/contract.js';
import { selectedVehicle, type ConsoleStore } from '../state/store.js';
import type { StationClient } from '../api/client.js';
import { stationTime } from '../features/sortie.js';
import { commandLabel, useConsole, useSel, useT, wordResult, type T } from './context.js';

const DANGEROUS = new Set<VehicleCommand['command']>(['arm', 'takeoff', 'land', 'disarm', 'release']);
export const ORBIT_RADIUS_M = 50;

/** Send now, or ask first when the command is dangerous. */
export function request(store: ConsoleStore, client: StationClient, sysid: number, command: VehicleCommand): void {
  if (DANGEROUS.has(command.command)) store.setState({ confirm: { sysid, command } });
  else void client.command(sysid, command);
}

/** The map was clicked while picking: go there or orbit there, at the higher of the drone's altitude and the
 * take-off altitude (a drone still climbing is not sent along at its current few metres). */
export function pickAt(store: ConsoleStore, client: StationClient, latDeg: number, lonDeg: number): void {
  const s = store.getState();
  const v = selectedVehicle(s);
  if (!v || !s.pick) return;
  const altRelM = Math.max(s.takeoffAltM, Math.round(v.altRelM ?? 0));
  const cmd: VehicleCommand =
    s.pick === 'goto' ? { command: 'goto', latDeg, lonDeg, altRelM } : { command: 'orbit', latDeg, lonDeg, radiusM: ORBIT_RADIUS_M };
  store.setState({ pick: null });
  request(store, client, v.sysid, cmd);
}

/** `off`: why this drone cannot do it (the button is disabled and says so). */
type Action = { key: string; label: (t: T) => string; run: () => void; testid: string; danger?: boolean; off?: string | undefined };

export function CommandBar() {
  const { store, client } = useConsole();
  const t = useT();
  const selected = useSel((s) => s.selected);
  const pick = useSel((s) => s.pick);
  const alt = useSel((s) => s.takeoffAltM);
  const send = (c: VehicleCommand) => selected !== null && request(store, client, selected, c);
  // ArduCopter has no orbit command (MAV_CMD_DO_ORBIT is UNSUPPORTED): the button says so instead of sending one.
  const noOrbit = useSel((s) => s.vehicles.find((v) => v.sysid === s.selected)?.orbitCommand === false);
  const autopilot = useSel((s) => s.vehicles.find((v) => v.sysid === s.selected)?.autopilot ?? '');
  const actions: Action[] = [
    { key: 'a', testid: 'cmd-arm', label: (t) => t('cmdArm'), run: () => send({ command: 'arm' }), danger: true },
    { key: 't', testid: 'cmd-takeoff', label: (t) => t('cmdTakeoff'), run: () => send({ command: 'takeoff', altRelM: store.getState().takeoffAltM }), danger: true },
    { key: 'p', testid: 'cmd-pause', label: (t) => t('cmdPause'), run: () => send({ command: 'pause' }) },
    { key: 'c', testid: 'cmd-continue', label: (t) => t('cmdContinue'), run: () => send({ command: 'continue' }) },
    { key: 'g', testid: 'cmd-goto', label: (t) => t('cmdGoto'), run: () => store.setState({ pick: store.getState().pick === 'goto' ? null : 'goto' }) },
    { key: 'o', testid: 'cmd-orbit', label: (t) => t('cmdOrbit'), run: () => store.setState({ pick: store.getState().pick === 'orbit' ? null : 'orbit' }), off: noOrbit ? t('orbitNone', { autopilot }) : undefined },
    { key: 'r', testid: 'cmd-rtl', label: (t) => t('cmdRtl'), run: () => send({ command: 'rtl' }) },
    { key: 'l', testid: 'cmd-land', label: (t) => t('cmdLand'), run: () => send({ command: 'land' }), danger: true },
  ];
  const actionsRef = useRef(actions);
  actionsRef.current = actions;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (e.ctrlKey || e.metaKey || e.altKey || (target && /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName))) return;
      const s = store.getState();
      if (e.key === 'Escape') {
        store.setState({ pick: null, confirm: null });
        return;
      }
      if (s.confirm) return;
      if (/^[1-9]$/.test(e.key)) {
        const v = s.vehicles[Number(e.key) - 1];
        if (v) store.setState({ selected: v.sysid });
        return;
      }
      const a = actionsRef.current.find((x) => x.key === e.key.toLowerCase());
      if (a && s.selected !== null && !a.off) {
        e.preventDefault();
        a.run();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);
  return (
    <div className="commands">
      <div className="cmd-grid">
        {actions.map((a) => (
          <button
            key={a.key}
            data-testid={a.testid}
            className={`${a.danger ? 'danger' : ''} ${(a.key === 'g' && pick === 'goto') || (a.key === 'o' && pick === 'orbit') ? 'active' : ''}`}
            disabled={selected === null || a.off !== undefined}
            onClick={a.run}
            title={a.off ?? a.key.toUpperCase()}
          >
            {a.label(t)} <kbd>{a.key.toUpperCase()}</kbd>
          </button>
        ))}
      </div>
      <button className="danger abort" data-testid="cmd-abort" disabled={selected === null} onClick={() => send({ command: 'disarm', force: true })}>
        {t('cmdAbort')}
      </button>
      <label className="alt-input">
        {t('takeoffAlt')}
        <input
          type="number"
          min={5}
          max={120}
          step={5}
          value={alt}
          data-testid="takeoff-alt"
          onChange={(e) => store.setState({ takeoffAltM: Math.min(120, Math.max(5, Number(e.target.value) || 30)) })}
        />
        m
      </label>
      <PatrolLine send={send} />
      {pick && <div className="pick-hint" data-testid="pick-hint">{t(pick === 'goto' ? 'pickGoto' : 'pickOrbit')}</div>}
      <div className="shortcuts">{t('shortcuts')}</div>
    </div>
  );
}

/**
 * Under the scheduled patrol: the sortie the selected drone flies, or that the pilot has it (a flight command from
 * a console takes it over; the patrol then leaves it alone) with the button that gives it back.
 */
function PatrolLine({ send }: { send: (c: VehicleCommand) => void }) {
  const t = useT();
  const patrol = useSel((s) => selectedVehicle(s)?.patrol);
  if (!patrol) return null;
  return (
    <div className={`patrol-line ${patrol.takenOver ? 'taken' : ''}`} data-testid="patrol-line">
      {patrol.maintenance && <span className="badge warning">{t('patrolMaintenance')}</span>}
      {patrol.takenOver ? (
        <>
          <span data-testid="patrol-taken">{t('patrolTaken')}</span>
          <button className="danger" data-testid="cmd-release" onClick={() => send({ command: 'release' })}>
            {t('cmdRelease')}
          </button>
        </>
      ) : (
        <span>{patrol.sortie ? t('patrolSortie', { sortie: patrol.sortie }) : t('patrolIdle')}</span>
      )}
    </div>
  );
}

export function ConfirmDialog() {
  const { store, client } = useConsole();
  const t = useT();
  const confirm = useSel((s) => s.confirm);
  const drone = useSel((s) => s.vehicles.find((v) => v.sysid === s.confirm?.sysid)?.id ?? '');
  const ok = useRef<HTMLButtonElement>(null);
  useEffect(() => ok.current?.focus(), [confirm]);
  if (!confirm) return null;
  const c = confirm.command;
  const text =
    c.command === 'arm' ? t('confirmArm', { drone })
    : c.command === 'takeoff' ? t('confirmTakeoff', { drone, alt: c.altRelM })
    : c.command === 'land' ? t('confirmLand', { drone })
    : c.command === 'disarm' ? t('confirmAbort', { drone })
    : c.command === 'release' ? t('confirmRelease', { drone })
    : `${commandLabel(t, c)} ${drone}?`;
  const go = () => {
    store.setState({ confirm: null });
    void client.command(confirm.sysid, c);
  };
  return (
    <div className="modal-back" onClick={() => store.setState({ confirm: null })}>
      <div className="modal" role="dialog" aria-modal="true" data-testid="confirm" onClick={(e) => e.stopPropagation()}>
        <h3>{t('confirmTitle')}</h3>
        <p>{text}</p>
        <div className="modal-buttons">
          <button data-testid="confirm-cancel" onClick={() => store.setState({ confirm: null })}>{t('cancel')}</button>
          <button data-testid="confirm-ok" className="danger" ref={ok} onClick={go}>{t('confirm')}</button>
        </div>
      </div>
    </div>
  );
}

export function CommandResults() {
  const { store } = useConsole();
  const t = useT();
  const commands = useSel((s) => s.commands);
  const tz = useSel((s) => s.timezone);
  return (
    <ul className="results" data-testid="results">
      {commands.slice(0, 6).map((c) => (
        <li key={c.requestId} className={c.ok === undefined ? 'pending' : c.ok ? 'ok' : 'refused'} data-testid="result">
          <span className="time">{stationTime(c.sentMs, tz)}</span>
          <b>{c.drone}</b> {commandLabel(t, c.command)}: <span data-testid="result-text">{wordResult(t, c)}</span>
          {c.issues && overridable(c.issues) && (
            <button className="link" data-testid="override" onClick={() => store.setState({ override: { kind: 'command', sysid: c.sysid, command: c.command, issues: c.issues! } })}>
              {t('overrideButton')}
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}

/**
 * A pilot sends what the station's rules refuse only with a written reason: the station checks the role,
 * keeps the reason in the audit with the command, and sends it.
 */
export function OverrideDialog() {
  const { store, client } = useConsole();
  const t = useT();
  const o = useSel((s) => s.override);
  const [reason, setReason] = useState('');
  const input = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    setReason('');
    input.current?.focus();
  }, [o]);
  if (!o) return null;
  const drone = store.getState().vehicles.find((v) => v.sysid === o.sysid)?.id ?? `sys${o.sysid}`;
  const what = o.kind === 'command' ? `${commandLabel(t, o.command)} ${drone}` : `${t('upload')} ${o.name} → ${drone}`;
  const ready = reason.trim().length >= 4;
  const go = () => {
    if (!ready) return;
    store.setState({ override: null });
    if (o.kind === 'command') void client.command(o.sysid, o.command, { reason: reason.trim() });
    else client.upload(o.sysid, o.name, o.text, { reason: reason.trim() });
  };
  return (
    <div className="modal-back" onClick={() => store.setState({ override: null })}>
      <div className="modal" role="dialog" aria-modal="true" data-testid="override-dialog" onClick={(e) => e.stopPropagation()}>
        <h3>{t('overrideTitle')}</h3>
        <p>{t('overrideText', { what, why: o.issues.map((i) => wordIssue(t, i)).join('; ') })}</p>
        <label>
          {t('overrideReason')}
          <textarea ref={input} data-testid="override-reason" rows={3} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
        </label>
        <div className="modal-buttons">
          <button data-testid="override-cancel" onClick={() => store.setState({ override: null })}>{t('cancel')}</button>
          <button data-testid="override-send" className="danger" disabled={!ready} onClick={go}>{t('overrideSend')}</button>
        </div>
      </div>
    </div>
  );
}
