/** The store and station client handed to every view (made once in main.tsx, never at import time). */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { VehicleCommand } from '../../common/api/contract.js';
import type { StationClient } from '../api/client.js';
import { STRINGS, translate, type StringKey } from '../i18n.js';
import type { CommandEntry, ConsoleState, ConsoleStore } from '../state/store.js';
import { wordIssue } from '../features/flight-check.js';

export interface ConsoleContext {
  store: ConsoleStore;
  client: StationClient;
}

export const Ctx = createContext<ConsoleContext | null>(null);

export function useConsole(): ConsoleContext {
  const c = useContext(Ctx);
  if (!c) throw new Error('console context missing');
  return c;
}

export function useSel<T>(sel: (s: ConsoleState) => T): T {
  return useStore(useConsole().store, sel);
}

import type { T } from '../features/words.js';
export type { T };
export { dispatchCause, wordEvent, wordSaid } from '../features/words.js';

export function useT(): T {
  const lang = useSel((s) => s.lang);
  return (k, args) => translate(lang, k, args);
}

export function commandLabel(t: T, c: VehicleCommand): string {
  const key: Record<VehicleCommand['command'], StringKey> = {
    arm: 'cmdArm', disarm: 'cmdAbort', mode: 'mode', takeoff: 'cmdTakeoff', land: 'cmdLand', rtl: 'cmdRtl',
    pause: 'cmdPause', continue: 'cmdContinue', goto: 'cmdGoto', orbit: 'cmdOrbit', camera: 'camera', gimbal: 'camGimbal', release: 'cmdRelease',
  };
  const base = t(key[c.command]);
  if (c.command === 'mode') return `${base} ${c.mode}`;
  if (c.command === 'takeoff') return `${base} ${c.altRelM} m`;
  if (c.command === 'gimbal') return `${base}: ${t('camPitch')} ${c.pitchDeg ?? '–'}°, ${t('camYaw')} ${c.yawDeg ?? '–'}°`;
  if (c.command === 'camera') {
    const a = ({ 'record-start': 'camRecStart', 'record-stop': 'camRecStop', photo: 'camPhoto', zoom: 'camZoom' } as const)[c.action];
    return `${base}: ${t(a)}${c.action === 'zoom' ? ` ${c.zoomPct ?? 0}%` : ''}`;
  }
  return base;
}

/** "accepted", or "refused: <why in our words> — autopilot says: <its words>". */
export function wordResult(t: T, c: CommandEntry): string {
  if (c.ok === undefined) return t('resultPending');
  if (c.ok) return t('resultAccepted');
  const code = c.result ?? 'other';
  const known = `result.${code}`;
  const why = known in STRINGS.en ? t(known as StringKey) : t('result.other');
  // The station's own check (in the console, or the gateway's answer): its reason, not the autopilot's words.
  if (c.issues?.length) return `${t('resultRefused')} · ${why} — ${c.issues.map((i) => wordIssue(t, i)).join('; ')}`;
  if (code === 'refused' || code === 'forbidden') return `${t('resultRefused')} · ${why}${c.reason ? ` — ${c.reason}` : ''}`;
  return c.reason ? `${t('resultRefused')} · ${why} — ${t('droneSays')}: ${c.reason}` : `${t('resultRefused')} · ${why}`;
}

export const fmt = (v: number | null | undefined, digits = 0, unit = ''): string =>
  v === null || v === undefined || Number.isNaN(v) ? '—' : `${v.toFixed(digits)}${unit}`;

export function fmtDuration(s: number | null | undefined, t: T): string {
  if (s === null || s === undefined || s < 0) return '—';
  return `${Math.round(s / 60)} ${t('minutes')}`;
}
