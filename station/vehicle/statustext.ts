/**
 * STATUSTEXT as plain data: reassembly of chunked texts (MAVLink 2 `id` + `chunk_seq`: chunks of 50
 * characters, the last one shorter or NUL-terminated), a bounded log ring, and the arming refusals
 * ("PreArm: …", "Arm: …") kept apart for the pre-flight panel. Pure functions over plain values.
 */

import { cleanText } from '../../mavlink/text.js';

export interface StatusTextEntry {
  atMs: number;
  /** MAV_SEVERITY: 0 EMERGENCY … 2 CRITICAL, 3 ERROR, 4 WARNING, 5 NOTICE, 6 INFO, 7 DEBUG. */
  severity: number;
  text: string;
  /** Sender component (the autopilot is 1; cameras, companions … also speak). */
  compid: number;
}

export interface PendingChunks {
  id: number;
  compid: number;
  severity: number;
  firstAtMs: number;
  parts: string[];
}

export interface StatusTextLog {
  entries: StatusTextEntry[];
  /** Arming refusals and pre-arm failures, most recent last. */
  arming: StatusTextEntry[];
  pending: PendingChunks[];
}

export const STATUSTEXT_CHUNK_LEN = 50;
/** A chunked text whose last chunk never comes is flushed (as far as it got) after this long. */
export const CHUNK_TIMEOUT_MS = 2000;

export function emptyStatusTextLog(): StatusTextLog {
  return { entries: [], arming: [], pending: [] };
}

export function isArmingText(text: string): boolean {
  return /^(PreArm|Arm):/i.test(text);
}

function push(log: StatusTextLog, e: StatusTextEntry, limit: number): StatusTextLog {
  const entries = [...log.entries, e];
  if (entries.length > limit) entries.splice(0, entries.length - limit);
  let arming = log.arming;
  if (isArmingText(e.text)) {
    arming = [...arming, e];
    if (arming.length > 20) arming.splice(0, arming.length - 20);
  }
  return { ...log, entries, arming };
}

/**
 * Add one STATUSTEXT. Returns the new log and the complete texts that this message finished (0, 1 or,
 * when a stale chunk set is flushed, 2).
 */
export function addStatusText(
  log: StatusTextLog,
  m: { severity: number; text: string; id: number; chunkSeq: number },
  compid: number,
  atMs: number,
  limit = 100,
): { log: StatusTextLog; completed: StatusTextEntry[] } {
  const completed: StatusTextEntry[] = [];
  // The vehicle's words are shown, logged and recorded: no terminal escapes, no line breaks.
  m = { ...m, text: cleanText(m.text) };
  let next = log;
  // Flush stale partial texts first.
  const stale = next.pending.filter((p) => atMs - p.firstAtMs > CHUNK_TIMEOUT_MS);
  if (stale.length > 0) {
    next = { ...next, pending: next.pending.filter((p) => atMs - p.firstAtMs <= CHUNK_TIMEOUT_MS) };
    for (const p of stale) {
      const e = { atMs: p.firstAtMs, severity: p.severity, text: p.parts.join(''), compid: p.compid };
      next = push(next, e, limit);
      completed.push(e);
    }
  }
  const lastChunk = m.text.length < STATUSTEXT_CHUNK_LEN;
  if (m.id === 0) {
    const e = { atMs, severity: m.severity, text: m.text, compid };
    return { log: push(next, e, limit), completed: [...completed, e] };
  }
  const idx = next.pending.findIndex((p) => p.id === m.id && p.compid === compid);
  const prev = idx >= 0 ? next.pending[idx] : undefined;
  const parts = prev ? [...prev.parts] : [];
  parts[m.chunkSeq] = m.text;
  const p: PendingChunks = { id: m.id, compid, severity: m.severity, firstAtMs: prev?.firstAtMs ?? atMs, parts };
  const pending = next.pending.filter((_, i) => i !== idx);
  if (lastChunk) {
    const e = { atMs: p.firstAtMs, severity: p.severity, text: Array.from(parts, (s) => s ?? '').join(''), compid };
    return { log: push({ ...next, pending }, e, limit), completed: [...completed, e] };
  }
  return { log: { ...next, pending: [...pending, p].slice(-8) }, completed };
}
