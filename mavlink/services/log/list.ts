/**
 * List the onboard logs with LOG_REQUEST_LIST as a sans-IO machine.
 *
 *   start ─► LIST(0..0xFFFF) ──LOG_ENTRY──► store; all num_logs in ──► DONE(entries by id)
 *              │ LOG_ENTRY num_logs 0 ──► DONE([])
 *              │ idle timeout: nothing yet → ask again; some missing → LIST(id, id) for each missing id
 *              └ `retries` timeouts without a new entry ──► DONE(timeout)
 * ArduPilot numbers logs 1..last_log_num; the ids present are last_log_num − num_logs + 1 … last_log_num.
 */
import { common } from 'mavlink-mappings';
import { make } from '../../codec/messages.js';
import type { Inbound } from '../command.js';
import type { DriverEffect, MachineStep } from '../driver.js';

export interface LogEntryInfo {
  id: number;
  size: number;
  timeUtcS: number;
}

export type LogListResult =
  | { ok: true; entries: LogEntryInfo[]; elapsedMs: number }
  | { ok: false; failure: 'timeout' | 'cancelled'; reason: string; entries: LogEntryInfo[]; elapsedMs: number };

export interface LogListState {
  target: { sysid: number; compid: number };
  idleMs: number;
  retries: number;
  entries: Map<number, LogEntryInfo>;
  num: number | undefined;
  last: number;
  stalls: number;
  done: boolean;
  startedAtMs: number;
}

type Step = MachineStep<LogListState, LogListResult>;
type Eff = DriverEffect<LogListResult>;

export function createLogList(target: { sysid: number; compid: number }, o: { idleMs?: number; retries?: number } = {}): LogListState {
  return { target, idleMs: o.idleMs ?? 1500, retries: o.retries ?? 8, entries: new Map(), num: undefined, last: 0, stalls: 0, done: false, startedAtMs: 0 };
}

function ask(s: LogListState, start: number, end: number, effects: Eff[]): void {
  effects.push({ type: 'send', message: make(common.LogRequestList, { targetSystem: s.target.sysid, targetComponent: s.target.compid, start, end }) });
}

function finish(s: LogListState, now: number, failure?: 'timeout' | 'cancelled', reason?: string): Step {
  s.done = true;
  const entries = [...s.entries.values()].sort((a, b) => a.id - b.id);
  const elapsedMs = now - s.startedAtMs;
  return { state: s, effects: [{ type: 'done', result: failure ? { ok: false, failure, reason: reason ?? failure, entries, elapsedMs } : { ok: true, entries, elapsedMs } }] };
}

export function start(s: LogListState, now: number): Step {
  s.startedAtMs = now;
  const effects: Eff[] = [];
  ask(s, 0, 0xffff, effects);
  effects.push({ type: 'armTimer', delayMs: s.idleMs });
  return { state: s, effects };
}

export function onMessage(s: LogListState, m: Inbound, now: number): Step {
  const e = m.message;
  if (s.done || !(e instanceof common.LogEntry) || m.sysid !== s.target.sysid || (s.target.compid !== 0 && m.compid !== s.target.compid)) return { state: s, effects: [] };
  if (e.numLogs === 0) return finish(s, now);
  s.num = e.numLogs;
  s.last = e.lastLogNum;
  if (!s.entries.has(e.id)) s.stalls = 0;
  s.entries.set(e.id, { id: e.id, size: e.size, timeUtcS: e.timeUtc });
  if (s.entries.size >= s.num) return finish(s, now);
  return { state: s, effects: [{ type: 'armTimer', delayMs: s.idleMs }] };
}

export function onTimeout(s: LogListState, now: number): Step {
  if (s.done) return { state: s, effects: [] };
  s.stalls++;
  if (s.stalls > s.retries) return finish(s, now, 'timeout', `log list: ${s.num === undefined ? 'no LOG_ENTRY' : `${s.entries.size} of ${s.num} entries`} after ${s.retries + 1} attempts`);
  const effects: Eff[] = [];
  if (s.num === undefined) ask(s, 0, 0xffff, effects);
  else for (let id = Math.max(1, s.last - s.num + 1); id <= s.last; id++) if (!s.entries.has(id)) ask(s, id, id, effects);
  effects.push({ type: 'armTimer', delayMs: s.idleMs });
  return { state: s, effects };
}

export function onCancel(s: LogListState, now: number): Step {
  return s.done ? { state: s, effects: [] } : finish(s, now, 'cancelled', 'log list: cancelled');
}

export const logListMachine = { start, onMessage, onTimeout, onCancel };
