/**
 * Events and the patrol runner's messages in the console's language: the station sends a code with its
 * parameters (kind + args; the runner's `said`) beside its English; the console words them here, and shows the
 * English for what it does not know (a newer station).
 */
import type { DispatchView, Said, StationEvent } from '../../common/api/contract.js';
import { STRINGS, type StringKey } from '../i18n.js';

export type T = (k: StringKey, args?: Record<string, string | number>) => string;

const EVENT_KEYS = new Set(['vehicle-new', 'vehicle-lost', 'vehicle-regained', 'vehicle-rebooted', 'mode-changed', 'armed', 'disarmed', 'duplicate-sysid', 'statustext', 'statustext-flood', 'unsigned-flagged', 'link-rejecting', 'stream-missing', 'stream-refused', 'stream-restored', 'battery-model-rejected', 'battery-model-write-failed', 'battery-model-capacity-changed', 'day-plan-failed']);
const STORAGE_KEYS = new Set(['storage-failed', 'storage-recovered', 'storage-low', 'storage-stop', 'storage-space-ok']);
const STORES = new Set(['tlogs', 'patrol', 'video', 'audit']);

/**
 * A message by code (the patrol runner's, station/patrol/said.ts) in the console's language, its causes joined
 * after it; words without a code (the autopilot's own, a cause from elsewhere) as they came. Null when a code is
 * not known to this console (a newer station): the caller shows the station's English instead.
 */
export function wordSaid(t: T, s: Said, depth = 0): string | null {
  if (depth > 4) return null;
  if (s.code === 'text') return s.args?.text ?? '';
  if (STORAGE_KEYS.has(s.code) && s.args) return wordEvent(t, { atMs: 0, kind: s.code, severity: 'warning', text: '', args: s.args });
  const key = `pa.${s.code}`;
  if (!(key in STRINGS.en)) return null;
  const why: string[] = [];
  for (const w of s.why ?? []) {
    const worded = wordSaid(t, w, depth + 1);
    if (worded === null) return null;
    why.push(worded);
  }
  return t(key as StringKey, { ...s.args, why: why.join(t('saidSep')) });
}

/** An event in the console's language; the autopilot's own words (STATUSTEXT) are quoted as they came. */
export function wordEvent(t: T, e: StationEvent): string {
  if (e.said) return wordSaid(t, e.said) ?? e.text;
  // The station's records (station/storage/health.ts): which store, in the console's words.
  if (e.args && STORAGE_KEYS.has(e.kind)) {
    const store = e.args.store;
    return t(`ev.${e.kind}` as StringKey, { ...e.args, what: store && STORES.has(store) ? t(`store.${store}` as StringKey) : '' });
  }
  if (!e.args || !EVENT_KEYS.has(e.kind)) return e.text;
  return t(`ev.${e.kind}` as StringKey, e.args);
}


/** Why a dispatch failed (or went unserved) in the console's language; the station's English when the cause has no code this console knows (an older record, a newer station). */
export function dispatchCause(t: T, d: Pick<DispatchView, 'reason' | 'cause'>): string | null {
  return (d.cause ? wordSaid(t, d.cause) : null) ?? d.reason;
}

/** A STATUSTEXT's class by MAV_SEVERITY: error and worse red, warning amber, notice/info/debug muted (unknown: amber). */
export function textLevel(severity: number | null | undefined): 'error' | 'warning' | 'info' {
  if (severity == null || !Number.isFinite(severity)) return 'warning';
  return severity <= 3 ? 'error' : severity === 4 ? 'warning' : 'info';
}
