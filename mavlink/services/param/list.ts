/**
 * Download every parameter with PARAM_REQUEST_LIST as a sans-IO machine, re-requesting the missing indexes.
 *
 *   start ─► REQUEST_LIST ──PARAM_VALUE(index i)──► LISTING (store i; re-arm the idle timer) ──all count in──► DONE
 *               │ timeout, nothing yet: resend the list request    │ idle timeout with holes
 *               ▼                                                  ▼
 *            (retries) ──► DONE(timeout)               READ_MISSING: PARAM_REQUEST_READ by index, `window`
 *                                                       at a time; each answer sends the next; a timeout
 *                                                       resends those still missing; `retries` rounds with no
 *                                                       progress ──► DONE(timeout, with what arrived)
 *   cancel ──► DONE(cancelled). `done` is emitted exactly once.
 * param_count is taken from indexed PARAM_VALUEs only (ArduPilot's first unsolicited one at boot said 1336 of
 * 1349). Unsolicited PARAM_VALUE (index 65535, a change announced during the download) update the value
 * by name, in arrival order, so the result holds the latest value of each parameter.
 */
import { common } from 'mavlink-mappings';
import { make } from '../../codec/messages.js';
import type { Inbound } from '../command.js';
import type { DriverEffect, MachineStep } from '../driver.js';
import { fromWire, type Param, type ParamEncoding } from './types.js';

export interface ParamListOptions {
  /** Resend the list request / declare the list stalled after this long without a value. Default 1500 ms. */
  idleMs?: number;
  /** Rounds without progress before giving up. Default 10. */
  retries?: number;
  /** PARAM_REQUEST_READ in flight at once when filling holes. Default 8. */
  window?: number;
  encoding?: ParamEncoding;
}

export interface ParamListStats {
  received: number;
  duplicates: number;
  rerequested: number;
  listRequests: number;
  elapsedMs: number;
}

export type ParamListResult =
  | { ok: true; params: Param[]; stats: ParamListStats }
  | { ok: false; reason: string; failure: 'timeout' | 'cancelled'; params: (Param | undefined)[]; count: number | undefined; stats: ParamListStats };

export interface ParamListState {
  target: { sysid: number; compid: number };
  phase: 'idle' | 'listing' | 'reading' | 'done';
  idleMs: number;
  retries: number;
  window: number;
  encoding: ParamEncoding;
  count: number | undefined;
  values: (Param | undefined)[];
  order: number[];
  changes: Map<string, { value: number; order: number }>;
  tick: number;
  got: number;
  inFlight: Set<number>;
  stalls: number;
  startedAtMs: number;
  stats: ParamListStats;
}

type Step = MachineStep<ParamListState, ParamListResult>;
type Eff = DriverEffect<ParamListResult>;

export function createParamList(target: { sysid: number; compid: number }, o: ParamListOptions = {}): ParamListState {
  return {
    target,
    phase: 'idle',
    idleMs: o.idleMs ?? 1500,
    retries: o.retries ?? 10,
    window: o.window ?? 8,
    encoding: o.encoding ?? 'cast',
    count: undefined,
    values: [],
    order: [],
    changes: new Map(),
    tick: 0,
    got: 0,
    inFlight: new Set(),
    stalls: 0,
    startedAtMs: 0,
    stats: { received: 0, duplicates: 0, rerequested: 0, listRequests: 0, elapsedMs: 0 },
  };
}

function listRequest(s: ParamListState, effects: Eff[]): void {
  s.stats.listRequests++;
  effects.push({ type: 'send', message: make(common.ParamRequestList, { targetSystem: s.target.sysid, targetComponent: s.target.compid }) });
  effects.push({ type: 'armTimer', delayMs: s.idleMs });
}

function readRequest(s: ParamListState, index: number, effects: Eff[]): void {
  s.inFlight.add(index);
  s.stats.rerequested++;
  effects.push({ type: 'send', message: make(common.ParamRequestRead, { targetSystem: s.target.sysid, targetComponent: s.target.compid, paramId: '', paramIndex: index }) });
}

function missing(s: ParamListState, limit: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < (s.count ?? 0) && out.length < limit; i++) if (!s.values[i] && !s.inFlight.has(i)) out.push(i);
  return out;
}

function finish(s: ParamListState, now: number, effects: Eff[], failure?: 'timeout' | 'cancelled', reason?: string): Step {
  s.phase = 'done';
  s.stats.elapsedMs = now - s.startedAtMs;
  // Apply changes announced after a value was received.
  for (let i = 0; i < s.values.length; i++) {
    const p = s.values[i];
    const c = p ? s.changes.get(p.name) : undefined;
    if (p && c && c.order > s.order[i]!) s.values[i] = { ...p, value: c.value };
  }
  const stats = { ...s.stats };
  effects.push({
    type: 'done',
    result: failure
      ? { ok: false, failure, reason: reason ?? failure, params: s.values.slice(), count: s.count, stats }
      : { ok: true, params: s.values.slice(0, s.count) as Param[], stats },
  });
  return { state: s, effects };
}

export function start(s: ParamListState, now: number): Step {
  if (s.phase !== 'idle') return { state: s, effects: [] };
  s.phase = 'listing';
  s.startedAtMs = now;
  const effects: Eff[] = [];
  listRequest(s, effects);
  return { state: s, effects };
}

function progress(s: ParamListState, effects: Eff[]): void {
  if (s.count) effects.push({ type: 'progress', progressPct: Math.floor((s.got * 100) / s.count) });
}

export function onMessage(s: ParamListState, m: Inbound, now: number): Step {
  if (s.phase !== 'listing' && s.phase !== 'reading') return { state: s, effects: [] };
  const pv = m.message;
  if (!(pv instanceof common.ParamValue) || m.sysid !== s.target.sysid || (s.target.compid !== 0 && m.compid !== s.target.compid)) return { state: s, effects: [] };
  const effects: Eff[] = [];
  s.tick++;
  const value = fromWire(pv.paramType, pv.paramValue, s.encoding);
  if (pv.paramIndex === 65535) {
    s.changes.set(pv.paramId, { value, order: s.tick });
    return { state: s, effects };
  }
  s.count = pv.paramCount;
  s.stats.received++;
  const i = pv.paramIndex;
  if (i >= pv.paramCount) return { state: s, effects };
  s.inFlight.delete(i);
  if (s.values[i]) s.stats.duplicates++;
  else s.got++;
  s.values[i] = { name: pv.paramId, value, type: pv.paramType };
  s.order[i] = s.tick;
  s.stalls = 0;
  if (s.got === s.count) return finish(s, now, effects);
  const pctBefore = Math.floor(((s.got - 1) * 100) / s.count);
  if (Math.floor((s.got * 100) / s.count) !== pctBefore) progress(s, effects);
  if (s.phase === 'reading') {
    // One answer in, one more request out: keep `window` in flight.
    for (const j of missing(s, s.window - s.inFlight.size)) readRequest(s, j, effects);
  }
  effects.push({ type: 'armTimer', delayMs: s.idleMs });
  return { state: s, effects };
}

export function onTimeout(s: ParamListState, now: number): Step {
  if (s.phase !== 'listing' && s.phase !== 'reading') return { state: s, effects: [] };
  const effects: Eff[] = [];
  s.stalls++;
  if (s.stalls > s.retries) {
    const have = s.count === undefined ? 'no parameter arrived' : `${s.got} of ${s.count} parameters arrived`;
    return finish(s, now, effects, 'timeout', `parameter list: ${have} after ${s.retries + 1} attempts`);
  }
  if (s.count === undefined) {
    listRequest(s, effects);
    return { state: s, effects };
  }
  s.phase = 'reading';
  s.inFlight.clear();
  for (const j of missing(s, s.window)) readRequest(s, j, effects);
  effects.push({ type: 'armTimer', delayMs: s.idleMs });
  return { state: s, effects };
}

export function onCancel(s: ParamListState, now: number): Step {
  if (s.phase === 'done') return { state: s, effects: [] };
  return finish(s, now, [], 'cancelled', 'parameter list: cancelled');
}

export function onDeadline(s: ParamListState, now: number): Step {
  if (s.phase === 'done') return { state: s, effects: [] };
  return finish(s, now, [], 'timeout', "parameter list: not finished within the transfer's deadline");
}

export const paramListMachine = { start, onMessage, onTimeout, onCancel, onDeadline };
