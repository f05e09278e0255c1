/**
 * Read one parameter (PARAM_REQUEST_READ by name or index) or set one with read-back (PARAM_SET, then the
 * vehicle's PARAM_VALUE echo must carry the value asked for), as sans-IO machines.
 *
 *   start ─► SENT ──PARAM_VALUE(name)──► DONE(ok, value)        set: the echo's value ≠ the value sent
 *             │ timeout, attempts left: resend                       (as stored: rounded, float32)
 *             │ timeout, none left ──► DONE(timeout)                  → DONE(mismatch, the stored value)
 *   cancel ──► DONE(cancelled). Duplicate echoes after DONE do nothing.
 * ArduPilot answers a PARAM_SET with PARAM_VALUE index 65535 on every link, and answers nothing for an
 * unknown name: a timeout there usually means "no such parameter". A set that timed out may still have
 * been applied (the echo was lost): read the parameter back before trying again.
 */
import { common } from 'mavlink-mappings';
import { make } from '../../codec/messages.js';
import type { Inbound } from '../command.js';
import type { DriverEffect, MachineStep } from '../driver.js';
import { fromWire, sameValue, toWire, type Param, type ParamEncoding } from './types.js';

export type ParamOneSpec =
  | { kind: 'read'; name: string }
  | { kind: 'read-index'; index: number }
  | { kind: 'set'; name: string; value: number; type: number };

export interface ParamOneOptions {
  timeoutMs?: number;
  retries?: number;
  encoding?: ParamEncoding;
}

export type ParamOneResult =
  | { ok: true; param: Param; index: number; count: number; attempts: number; elapsedMs: number }
  | { ok: false; failure: 'timeout' | 'mismatch' | 'cancelled'; reason: string; param: Param | undefined; attempts: number; elapsedMs: number };

export interface ParamOneState {
  target: { sysid: number; compid: number };
  spec: ParamOneSpec;
  timeoutMs: number;
  retries: number;
  encoding: ParamEncoding;
  attempts: number;
  startedAtMs: number;
  done: boolean;
}

type Step = MachineStep<ParamOneState, ParamOneResult>;
type Eff = DriverEffect<ParamOneResult>;

export function createParamOne(target: { sysid: number; compid: number }, spec: ParamOneSpec, o: ParamOneOptions = {}): ParamOneState {
  return { target, spec, timeoutMs: o.timeoutMs ?? 1500, retries: o.retries ?? 4, encoding: o.encoding ?? 'cast', attempts: 0, startedAtMs: 0, done: false };
}

function label(s: ParamOneState): string {
  const sp = s.spec;
  return sp.kind === 'read-index' ? `parameter #${sp.index}` : sp.name;
}

function transmit(s: ParamOneState): Eff[] {
  s.attempts++;
  const { sysid, compid } = s.target;
  const sp = s.spec;
  const message =
    sp.kind === 'set'
      ? make(common.ParamSet, { targetSystem: sysid, targetComponent: compid, paramId: sp.name, paramValue: toWire(sp.type, sp.value, s.encoding), paramType: sp.type })
      : make(common.ParamRequestRead, { targetSystem: sysid, targetComponent: compid, paramId: sp.kind === 'read' ? sp.name : '', paramIndex: sp.kind === 'read' ? -1 : sp.index });
  return [{ type: 'send', message }, { type: 'armTimer', delayMs: s.timeoutMs }];
}

type DistOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function finish(s: ParamOneState, now: number, r: DistOmit<ParamOneResult, 'attempts' | 'elapsedMs'>): Step {
  s.done = true;
  return { state: s, effects: [{ type: 'done', result: { ...r, attempts: s.attempts, elapsedMs: now - s.startedAtMs } as ParamOneResult }] };
}

export function start(s: ParamOneState, now: number): Step {
  if (s.attempts > 0 || s.done) return { state: s, effects: [] };
  s.startedAtMs = now;
  return { state: s, effects: transmit(s) };
}

export function onMessage(s: ParamOneState, m: Inbound, now: number): Step {
  const pv = m.message;
  if (s.done || !(pv instanceof common.ParamValue) || m.sysid !== s.target.sysid || (s.target.compid !== 0 && m.compid !== s.target.compid)) return { state: s, effects: [] };
  const sp = s.spec;
  if (sp.kind === 'read-index' ? pv.paramIndex !== sp.index : pv.paramId !== sp.name) return { state: s, effects: [] };
  const param: Param = { name: pv.paramId, value: fromWire(pv.paramType, pv.paramValue, s.encoding), type: pv.paramType };
  if (sp.kind === 'set' && !sameValue(param.type, param.value, sp.value)) {
    return finish(s, now, { ok: false, failure: 'mismatch', reason: `${sp.name}: set to ${sp.value}, the vehicle reports ${param.value}`, param });
  }
  return finish(s, now, { ok: true, param, index: pv.paramIndex, count: pv.paramCount });
}

export function onTimeout(s: ParamOneState, now: number): Step {
  if (s.done) return { state: s, effects: [] };
  if (s.attempts <= s.retries) return { state: s, effects: transmit(s) };
  const hint = s.spec.kind === 'set' ? ' (unknown parameter, or the echo was lost: read it back)' : ' (unknown parameter?)';
  return finish(s, now, { ok: false, failure: 'timeout', reason: `${label(s)}: no PARAM_VALUE after ${s.attempts} attempts${hint}`, param: undefined });
}

export function onCancel(s: ParamOneState, now: number): Step {
  if (s.done) return { state: s, effects: [] };
  return finish(s, now, { ok: false, failure: 'cancelled', reason: `${label(s)}: cancelled`, param: undefined });
}

export const paramOneMachine = { start, onMessage, onTimeout, onCancel };
