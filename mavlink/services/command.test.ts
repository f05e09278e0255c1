/**
 * The command machine, table-driven: each case is a script of inputs (ack / timeout / cancel at a time)
 * and the expected result; the test also checks what was sent (confirmation counter) and that `done` comes
 * exactly once. Then the driver over a fake link on the FakeClock.
 */
import { describe, expect, it } from 'vitest';
import { common } from 'mavlink-mappings';
import { FakeClock } from '../../common/clock.js';
import type { Received } from '../connection.js';
import type { MavLinkData } from '../codec/messages.js';
import {
  createCommand,
  onCancel,
  onMessage,
  onTimeout,
  start,
  timeoutForRtt,
  type CommandEffect,
  type CommandOutcome,
  type CommandSpec,
  type CommandState,
} from './command.js';
import { runCommand, type MessageLink } from './driver.js';

const ARM: CommandSpec = {
  kind: 'long',
  command: common.MavCmd.COMPONENT_ARM_DISARM,
  params: [1],
  targetSystem: 1,
  targetComponent: 1,
};

function ack(result: number, o: { command?: number; sysid?: number; compid?: number; progress?: number; target?: number } = {}) {
  const m = new common.CommandAck();
  m.command = o.command ?? ARM.command;
  m.result = result;
  m.progress = o.progress ?? 0;
  m.targetSystem = o.target ?? 255;
  m.targetComponent = 190;
  return { sysid: o.sysid ?? 1, compid: o.compid ?? 1, message: m };
}

type Input =
  | { at: number; ack: ReturnType<typeof ack> }
  | { at: number; timeout: true }
  | { at: number; cancel: true };

interface Case {
  name: string;
  inputs: Input[];
  outcome: CommandOutcome;
  attempts: number;
  /** confirmation field of each COMMAND_LONG sent, in order */
  confirmations: number[];
  progress?: number[];
  rttMs?: number;
}

const R = common.MavResult;
const cases: Case[] = [
  { name: 'accepted first time', inputs: [{ at: 40, ack: ack(R.ACCEPTED) }], outcome: 'accepted', attempts: 1, confirmations: [0], rttMs: 40 },
  {
    name: 'lost COMMAND_LONG: resent with confirmation 1, then accepted',
    inputs: [{ at: 1500, timeout: true }, { at: 1530, ack: ack(R.ACCEPTED) }],
    outcome: 'accepted',
    attempts: 2,
    confirmations: [0, 1],
  },
  {
    name: 'lost ACK: resent, accepted, the duplicate ACK is ignored',
    inputs: [{ at: 1500, timeout: true }, { at: 1520, ack: ack(R.ACCEPTED) }, { at: 1540, ack: ack(R.ACCEPTED) }],
    outcome: 'accepted',
    attempts: 2,
    confirmations: [0, 1],
  },
  {
    name: 'IN_PROGRESS then ACCEPTED: progress events, no resend',
    inputs: [
      { at: 30, ack: ack(R.IN_PROGRESS, { progress: 10 }) },
      { at: 3000, ack: ack(R.IN_PROGRESS, { progress: 60 }) },
      { at: 6000, ack: ack(R.ACCEPTED) },
    ],
    outcome: 'accepted',
    attempts: 1,
    confirmations: [0],
    progress: [10, 60],
    rttMs: 30,
  },
  {
    name: 'IN_PROGRESS then silence: timeout without resend',
    inputs: [{ at: 30, ack: ack(R.IN_PROGRESS, { progress: 255 }) }, { at: 10030, timeout: true }],
    outcome: 'timeout',
    attempts: 1,
    confirmations: [0],
    progress: [],
  },
  { name: 'denied', inputs: [{ at: 20, ack: ack(R.DENIED) }], outcome: 'denied', attempts: 1, confirmations: [0] },
  { name: 'failed', inputs: [{ at: 20, ack: ack(R.FAILED) }], outcome: 'failed', attempts: 1, confirmations: [0] },
  { name: 'unsupported', inputs: [{ at: 20, ack: ack(R.UNSUPPORTED) }], outcome: 'unsupported', attempts: 1, confirmations: [0] },
  {
    name: 'temporarily rejected',
    inputs: [{ at: 20, ack: ack(R.TEMPORARILY_REJECTED) }],
    outcome: 'temporarily-rejected',
    attempts: 1,
    confirmations: [0],
  },
  {
    name: 'timeout after 3 retries (4 transmissions)',
    inputs: [
      { at: 1500, timeout: true },
      { at: 3000, timeout: true },
      { at: 4500, timeout: true },
      { at: 6000, timeout: true },
      { at: 7000, ack: ack(R.ACCEPTED) },
    ],
    outcome: 'timeout',
    attempts: 4,
    confirmations: [0, 1, 2, 3],
  },
  { name: 'cancel while waiting', inputs: [{ at: 100, cancel: true }, { at: 200, ack: ack(R.ACCEPTED) }], outcome: 'cancelled', attempts: 1, confirmations: [0] },
  {
    name: 'cancel while in progress',
    inputs: [{ at: 30, ack: ack(R.IN_PROGRESS, { progress: 5 }) }, { at: 100, cancel: true }],
    outcome: 'cancelled',
    attempts: 1,
    confirmations: [0],
    progress: [5],
  },
  {
    name: 'ACKs from another system, another component, another command, another GCS are ignored',
    inputs: [
      { at: 10, ack: ack(R.DENIED, { sysid: 2 }) },
      { at: 11, ack: ack(R.DENIED, { compid: 100 }) },
      { at: 12, ack: ack(R.DENIED, { command: common.MavCmd.DO_SET_MODE }) },
      { at: 13, ack: ack(R.DENIED, { target: 254 }) },
      { at: 50, ack: ack(R.ACCEPTED, { target: 0 }) },
    ],
    outcome: 'accepted',
    attempts: 1,
    confirmations: [0],
    rttMs: 50,
  },
];

describe('command machine', () => {
  for (const c of cases) {
    it(c.name, () => {
      const effects: CommandEffect[] = [];
      let st: CommandState = createCommand(ARM, { gcsSysid: 255, gcsCompid: 190 });
      let step = start(st, 0);
      st = step.state;
      effects.push(...step.effects);
      for (const inp of c.inputs) {
        if ('ack' in inp) step = onMessage(st, inp.ack, inp.at);
        else if ('timeout' in inp) step = onTimeout(st, inp.at);
        else step = onCancel(st, inp.at);
        st = step.state;
        effects.push(...step.effects);
      }
      const done = effects.filter((e) => e.type === 'done');
      expect(done).toHaveLength(1);
      const r = done[0]!.type === 'done' ? done[0]!.result : undefined;
      expect(r?.outcome).toBe(c.outcome);
      expect(r?.attempts).toBe(c.attempts);
      if (c.rttMs !== undefined) expect(r?.rttMs).toBe(c.rttMs);
      const sent = effects.flatMap((e) => (e.type === 'send' ? [e.message] : []));
      const longs = sent.filter((m): m is common.CommandLong => m instanceof common.CommandLong);
      expect(longs.map((m) => m.confirmation)).toEqual(c.confirmations);
      expect(longs.every((m) => m.command === ARM.command && m._param1 === 1 && m.targetSystem === 1)).toBe(true);
      expect(effects.flatMap((e) => (e.type === 'progress' ? [e.progressPct] : []))).toEqual(c.progress ?? []);
      // After done nothing more happens.
      expect(onTimeout(st, 99_999).effects).toEqual([]);
      expect(onMessage(st, ack(R.ACCEPTED), 99_999).effects).toEqual([]);
      expect(onCancel(st, 99_999).effects).toEqual([]);
    });
  }

  it('COMMAND_INT carries int32 lat/lon and the frame; timeouts adapt to RTT', () => {
    const st = createCommand(
      { kind: 'int', command: common.MavCmd.DO_REPOSITION, params: [-1, 1, 0, NaN, 244797999.4, 1180894000, 30], frame: 6, targetSystem: 1, targetComponent: 1 },
      { rttMs: 400 },
    );
    const step = start(st, 0);
    const m = step.effects[0]?.type === 'send' ? step.effects[0].message : undefined;
    expect(m).toBeInstanceOf(common.CommandInt);
    const ci = m as common.CommandInt;
    expect([ci._param5, ci._param6, ci._param7, ci.frame]).toEqual([244797999, 1180894000, 30, 6]);
    expect(step.effects[1]).toEqual({ type: 'armTimer', delayMs: timeoutForRtt(400) });
    expect(timeoutForRtt(400)).toBe(1700);
    expect(timeoutForRtt(10)).toBe(1000);
    expect(timeoutForRtt(5000)).toBe(6000);
  });
});

/** A link that records what is sent and lets the test inject received messages. */
function fakeLink(clock: FakeClock) {
  const listeners = new Set<(r: Received) => void>();
  const sent: MavLinkData[] = [];
  const link: MessageLink = {
    send: (m) => sent.push(m),
    onMessage: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  const inject = (sysid: number, compid: number, message: MavLinkData): void => {
    const frame = { sysid, compid, seq: 0, msgid: 77 } as Received['frame'];
    for (const l of [...listeners]) l({ frame, message, peer: 'memory:x', atMs: clock.now(), flaggedUnsigned: false });
  };
  return { link, sent, inject, listeners };
}

describe('driver', () => {
  it('resends on the clock, resolves once, then unsubscribes and clears its timer', async () => {
    const clock = new FakeClock();
    const f = fakeLink(clock);
    const run = runCommand(ARM, { clock, link: f.link });
    expect(f.sent).toHaveLength(1);
    clock.advance(1500);
    expect(f.sent).toHaveLength(2);
    f.inject(1, 1, ack(R.ACCEPTED).message);
    const r = await run.result;
    expect(r.outcome).toBe('accepted');
    expect(r.attempts).toBe(2);
    expect(r.rttMs).toBeUndefined();
    expect(f.listeners.size).toBe(0);
    expect(clock.pending()).toBe(0);
  });

  it('times out after 4 transmissions on the clock', async () => {
    const clock = new FakeClock();
    const f = fakeLink(clock);
    const run = runCommand(ARM, { clock, link: f.link });
    clock.advance(10_000);
    const r = await run.result;
    expect(r.outcome).toBe('timeout');
    expect(f.sent).toHaveLength(4);
    expect(r.elapsedMs).toBe(6000);
  });

  it('reports progress and cancels', async () => {
    const clock = new FakeClock();
    const f = fakeLink(clock);
    const progress: number[] = [];
    const run = runCommand(ARM, { clock, link: f.link, onProgress: (p) => progress.push(p) });
    f.inject(1, 1, ack(R.IN_PROGRESS, { progress: 42 }).message);
    run.cancel();
    const r = await run.result;
    expect(r.outcome).toBe('cancelled');
    expect(progress).toEqual([42]);
    expect(f.sent).toHaveLength(1);
    expect(clock.pending()).toBe(0);
  });
});
