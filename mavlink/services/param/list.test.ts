/**
 * The parameter list and single read/set machines, table-driven: lost values are re-requested by index,
 * duplicates and unsolicited changes are handled, the count comes from indexed values only; set verifies
 * the echo, retries a lost one, and reports a vehicle that stored something else.
 */
import { common } from 'mavlink-mappings';
import { describe, expect, it } from 'vitest';
import { make, type MavLinkData } from '../../codec/messages.js';
import type { DriverEffect, Machine } from '../driver.js';
import { createParamList, paramListMachine, type ParamListResult } from './list.js';
import { createParamOne, paramOneMachine, type ParamOneResult } from './set.js';

const N = 300;
const T = { sysid: 1, compid: 1 };
const name = (i: number): string => `P_${String(i).padStart(4, '0')}`;
const pv = (i: number, value = i, count = N, type = 6): MavLinkData => make(common.ParamValue, { paramId: name(i), paramValue: value, paramType: type, paramCount: count, paramIndex: i });

/** Run a machine: `vehicle` answers each sent message with messages (delivered 10 ms later). */
function run<S, R>(m: Machine<S, R>, st: S, vehicle: (msg: MavLinkData, now: number) => MavLinkData[], maxMs = 600_000): { result: R | undefined; sent: MavLinkData[]; now: number } {
  let now = 0;
  let timer: number | undefined;
  let result: R | undefined;
  const sent: MavLinkData[] = [];
  const inbox: { at: number; msg: MavLinkData }[] = [];
  const apply = (effects: DriverEffect<R>[]): void => {
    for (const e of effects) {
      if (e.type === 'send') {
        sent.push(e.message);
        vehicle(e.message, now).forEach((msg, k) => inbox.push({ at: now + 10 + k * 0.1, msg }));
      } else if (e.type === 'armTimer') timer = now + e.delayMs;
      else if (e.type === 'done') result = e.result;
    }
  };
  let step = m.start(st, now);
  st = step.state;
  apply(step.effects);
  while (result === undefined && now < maxMs) {
    inbox.sort((a, b) => a.at - b.at);
    const first = inbox[0];
    if (first && (timer === undefined || first.at <= timer)) {
      inbox.shift();
      now = first.at;
      step = m.onMessage(st, { sysid: 1, compid: 1, message: first.msg }, now);
    } else if (timer !== undefined) {
      now = timer;
      timer = undefined;
      step = m.onTimeout(st, now);
    } else break;
    st = step.state;
    apply(step.effects);
  }
  return { result, sent, now };
}

function listVehicle(drop: (i: number, attempt: number) => boolean, extra: (i: number) => MavLinkData[] = () => []) {
  const tries = new Map<number, number>();
  return (msg: MavLinkData): MavLinkData[] => {
    const out: MavLinkData[] = [];
    const send = (i: number): void => {
      const t = (tries.get(i) ?? 0) + 1;
      tries.set(i, t);
      if (!drop(i, t)) out.push(pv(i), ...extra(i));
    };
    if (msg instanceof common.ParamRequestList) for (let i = 0; i < N; i++) send(i);
    if (msg instanceof common.ParamRequestRead) send(msg.paramIndex);
    return out;
  };
}

describe('parameter list machine', () => {
  const table: [string, (i: number, attempt: number) => boolean][] = [
    ['clean', () => false],
    ['every 10th lost once', (i, a) => i % 10 === 0 && a === 1],
    ['the last 20 lost once', (i, a) => i >= N - 20 && a === 1],
    ['the first one lost twice', (i, a) => i === 0 && a <= 2],
    ['30 % lost at random, each try', (i, a) => ((i * 7919 + a * 104729) % 100) < 30],
  ];
  it.each(table)('%s → all %i parameters in index order', (_n, drop) => {
    const { result, sent } = run(paramListMachine, createParamList(T), listVehicle(drop));
    const r = result as ParamListResult;
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.params.map((p) => p.name)).toEqual(Array.from({ length: N }, (_, i) => name(i)));
    expect(r.params.every((p, i) => p.value === i)).toBe(true);
    expect(sent.filter((m) => m instanceof common.ParamRequestRead).length).toBe(r.stats.rerequested);
  });

  it('re-asks for the list when nothing comes back', () => {
    let calls = 0;
    const { result } = run(paramListMachine, createParamList(T), (m) => (m instanceof common.ParamRequestList && ++calls < 3 ? [] : listVehicle(() => false)(m)));
    expect((result as ParamListResult).ok).toBe(true);
    expect(calls).toBe(3);
  });

  it('takes param_count from indexed values only, applies changes announced meanwhile, ignores duplicates', () => {
    const boot = make(common.ParamValue, { paramId: name(5), paramValue: 55, paramType: 6, paramCount: 287, paramIndex: 65535 });
    const { result } = run(paramListMachine, createParamList(T), (m) => {
      const base = listVehicle(() => false)(m);
      return m instanceof common.ParamRequestList ? [boot, ...base.slice(0, 100), pv(3), ...base.slice(100)] : base;
    });
    const r = result as ParamListResult;
    expect(r.ok && r.params.length).toBe(N);
    expect(r.ok && r.params[5]!.value).toBe(5); // the change came before index 5's value: the later value wins
    expect(r.ok && r.stats.duplicates).toBe(1);
  });

  it('a change announced after a value replaces it', () => {
    const { result } = run(paramListMachine, createParamList(T), (m) => {
      const base = listVehicle(() => false)(m);
      const change = make(common.ParamValue, { paramId: name(7), paramValue: 77, paramType: 6, paramCount: N, paramIndex: 65535 });
      return m instanceof common.ParamRequestList ? [...base.slice(0, 10), change, ...base.slice(10)] : base;
    });
    const r = result as ParamListResult;
    expect(r.ok && r.params[7]!.value).toBe(77);
    expect(r.ok && r.params[8]!.value).toBe(8);
  });

  it('gives up after the retries with what arrived, and says how much', () => {
    const { result } = run(paramListMachine, createParamList(T, { retries: 3 }), listVehicle((i) => i === 42));
    const r = result as ParamListResult;
    expect(r).toMatchObject({ ok: false, failure: 'timeout', reason: expect.stringContaining('299 of 300') });
    expect(!r.ok && r.params.filter(Boolean).length).toBe(299);
  });

  it('cancel → cancelled, once', () => {
    const st = createParamList(T);
    paramListMachine.start(st, 0);
    const a = paramListMachine.onCancel(st, 5);
    expect(a.effects).toEqual([expect.objectContaining({ type: 'done', result: expect.objectContaining({ failure: 'cancelled' }) })]);
    expect(paramListMachine.onCancel(st, 6).effects).toEqual([]);
  });
});

describe('parameter set / read machine', () => {
  const setVehicle = (store: (v: number) => number, lose: (attempt: number) => boolean) => {
    let attempt = 0;
    return (m: MavLinkData): MavLinkData[] => {
      if (!(m instanceof common.ParamSet)) return [];
      if (lose(++attempt)) return [];
      return [make(common.ParamValue, { paramId: m.paramId, paramValue: store(m.paramValue), paramType: m.paramType, paramCount: N, paramIndex: 65535 })];
    };
  };

  it('verifies the echo (INT32 sent as a cast float, as ArduPilot wants)', () => {
    const { result, sent } = run(paramOneMachine, createParamOne(T, { kind: 'set', name: 'RTL_ALT', value: 2500, type: 6 }), setVehicle((v) => v, () => false));
    expect(result).toMatchObject({ ok: true, param: { name: 'RTL_ALT', value: 2500, type: 6 } });
    expect((sent[0] as common.ParamSet).paramValue).toBe(2500);
  });

  it('bytewise encoding (PX4) puts the integer bits in the float', () => {
    const { sent } = run(paramOneMachine, createParamOne(T, { kind: 'set', name: 'X', value: 1, type: 6 }, { encoding: 'bytewise', retries: 0, timeoutMs: 10 }), () => []);
    const f = new Float32Array([(sent[0] as common.ParamSet).paramValue]);
    expect(new Int32Array(f.buffer)[0]).toBe(1);
  });

  it('a lost echo → resent, same value', () => {
    const { result, sent } = run(paramOneMachine, createParamOne(T, { kind: 'set', name: 'A', value: 3, type: 2 }), setVehicle((v) => v, (a) => a <= 2));
    expect(result).toMatchObject({ ok: true, attempts: 3 });
    expect(sent).toHaveLength(3);
  });

  it('the vehicle stored something else → mismatch with its value', () => {
    const { result } = run(paramOneMachine, createParamOne(T, { kind: 'set', name: 'A', value: 300, type: 4 }), setVehicle(() => 250, () => false));
    expect(result).toMatchObject({ ok: false, failure: 'mismatch', param: { value: 250 }, reason: expect.stringContaining('250') });
  });

  it('no answer (unknown name on ArduPilot) → timeout that says so', () => {
    const { result } = run(paramOneMachine, createParamOne(T, { kind: 'read', name: 'NOPE' }, { retries: 2 }), () => []);
    expect(result as ParamOneResult).toMatchObject({ ok: false, failure: 'timeout', attempts: 3, reason: expect.stringContaining('NOPE') });
  });

  it('read by index returns the name, value and param_count', () => {
    const { result } = run(paramOneMachine, createParamOne(T, { kind: 'read-index', index: 9 }), (m) => (m instanceof common.ParamRequestRead ? [pv(m.paramIndex)] : []));
    expect(result).toMatchObject({ ok: true, param: { name: name(9), value: 9 }, count: N });
  });
});
