/**
 * The MAVFTP download machine, table-driven against a scripted ArduPilot-like vehicle (testing.ts): every
 * failure mode of the transfer ends with the file byte for byte, or with a failure that says what happened
 * and keeps the bytes received so far.
 */
import { describe, expect, it } from 'vitest';
import { FtpError, Op, type FtpPayload } from './protocol.js';
import { ftpReadMachine } from './read.js';
import { createRead, type FtpReadResult } from './read-state.js';
import { ScriptedVehicle, runFtp, type Faults } from './testing.js';

function file(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

const T = { sysid: 1, compid: 1 };
const isBurstData = (p: FtpPayload): boolean => p.reqOpcode === Op.BurstReadFile && p.opcode === Op.Ack;

function read(bytes: Uint8Array, faults: Faults = {}, spec: { fromOffset?: number; reported?: number } = {}, o: { cancelAtMs?: number; retries?: number } = {}) {
  const v = new ScriptedVehicle({ files: { 'a.bin': bytes }, ...(spec.reported !== undefined ? { reported: { 'a.bin': spec.reported } } : {}) });
  const st = createRead(T, { path: 'a.bin', ...(spec.fromOffset !== undefined ? { fromOffset: spec.fromOffset } : {}) }, { gcsSysid: 255, gcsCompid: 190, timeoutMs: 500, ...(o.retries !== undefined ? { retries: o.retries } : {}) });
  const out = runFtp(ftpReadMachine, st, v, faults, { ...(o.cancelAtMs !== undefined ? { cancelAtMs: o.cancelAtMs } : {}) });
  return { ...out, v, r: out.result as FtpReadResult };
}

const ok = (r: FtpReadResult, want: Uint8Array): void => {
  expect(r.ok, r.ok ? '' : r.reason).toBe(true);
  expect(Buffer.from(r.data).equals(Buffer.from(want))).toBe(true);
};

describe('MAVFTP read machine', () => {
  const sizes = [0, 1, 238, 239, 240, 478, 14_882, 239 * 2000, 239 * 2000 + 5, 600_000];
  it.each(sizes)('reads a %i-byte file exactly (short last block, aligned end, several bursts)', (n) => {
    const want = file(n);
    const { r, sent } = read(want);
    ok(r, want);
    expect(sent[0]!.opcode).toBe(Op.OpenFileRO);
    expect(sent.at(-1)!.opcode).toBe(Op.TerminateSession);
  });

  it('ignores the size given at open (ArduPilot reports estimates)', () => {
    const want = file(14_882);
    ok(read(want, {}, { reported: 16_188 }).r, want);
    ok(read(file(276), {}, { reported: 1 << 20 }).r, file(276));
  });

  const table: [string, Faults][] = [
    ['lost open request', { dropRequest: (_r, n) => n === 1 }],
    ['lost open reply', { dropReply: (_r, n) => n === 1 }],
    ['lost burst request', { dropRequest: (r, n) => r.opcode === Op.BurstReadFile && n === 2 }],
    ['gaps in the burst (every 7th block lost)', { dropReply: (r, n) => isBurstData(r) && n % 7 === 0 }],
    ['lost burst_complete block', { dropReply: (r) => isBurstData(r) && r.burstComplete }],
    ['lost EOF NAK and last block', { dropReply: (r) => r.reqOpcode === Op.BurstReadFile && (r.opcode === Op.Nak || r.burstComplete) }],
    ['duplicated replies', { duplicateReply: (_r, n) => n % 3 === 0 }],
    ['lost gap-read replies, then answered from the cache', { dropReply: (r, n) => (isBurstData(r) && n % 5 === 0) || (r.reqOpcode === Op.ReadFile && n % 2 === 0) }],
    ['lost terminate reply', { dropReply: (r) => r.reqOpcode === Op.TerminateSession }],
    ['30 % of everything lost', { dropReply: (_r, n) => (n * 2654435761) % 100 < 30, dropRequest: (_r, n) => (n * 40503) % 100 < 30 }],
  ];
  it.each(table)('%s → the whole file', (_name, faults) => {
    const want = file(10_000, 7);
    ok(read(want, faults).r, want);
  });

  it('open NAK Fail (a session left open) → ResetSessions, open again', () => {
    let once = false;
    const want = file(3000);
    const { r, sent } = read(want, { nak: (q) => (q.opcode === Op.OpenFileRO && !once ? ((once = true), FtpError.Fail) : undefined) });
    ok(r, want);
    expect(sent.map((p) => p.opcode).slice(0, 3)).toEqual([Op.OpenFileRO, Op.ResetSessions, Op.OpenFileRO]);
  });

  it('a session the vehicle dropped mid-read is reopened and the data kept', () => {
    let bursts = 0;
    const want = file(239 * 2000 + 100);
    const { r, sent } = read(want, { nak: (q) => (q.opcode === Op.BurstReadFile && ++bursts === 2 ? FtpError.InvalidSession : undefined) });
    ok(r, want);
    expect(sent.filter((p) => p.opcode === Op.OpenFileRO).length).toBeGreaterThanOrEqual(2);
  });

  it('FileNotFound → failure naming the path', () => {
    const { r } = read(file(10), { nak: (q) => (q.opcode === Op.OpenFileRO ? FtpError.FileNotFound : undefined) });
    expect(r).toMatchObject({ ok: false, failure: 'not-found', reason: expect.stringContaining('a.bin') });
  });

  it('a dead link → timeout, keeping the contiguous bytes received', () => {
    const want = file(50_000);
    const { r } = read(want, { dropReply: (_r, n) => n > 60 }, {}, { retries: 3 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.failure).toBe('timeout');
    expect(r.data.length).toBeGreaterThan(239 * 50);
    expect(Buffer.from(r.data).equals(Buffer.from(want.subarray(0, r.data.length)))).toBe(true);
  });

  it('resumes from an offset', () => {
    const want = file(20_000);
    const { r, sent } = read(want, {}, { fromOffset: 12_345 });
    ok(r, want.subarray(12_345));
    expect(sent.find((p) => p.opcode === Op.BurstReadFile)!.offset).toBe(12_345);
  });

  it('cancel → TerminateSession sent, result cancelled, exactly once', () => {
    const { r, sent } = read(file(239 * 3000), { dropReply: (r) => isBurstData(r) && r.offset > 239 * 100 }, {}, { cancelAtMs: 700 });
    expect(r).toMatchObject({ ok: false, failure: 'cancelled' });
    expect(sent.at(-1)!.opcode).toBe(Op.TerminateSession);
  });

  it.each([0xffffff00, 239 * 300, 239 * (20 + 257)])('refuses a reply at offset %i beyond the file: no allocation, bytes held kept, session closed', (bad) => {
    const want = file(239 * 40);
    // The 20th block of the burst comes back claiming a far offset (ArduPilot never jumps ahead of its burst).
    const { r, sent } = read(want, { rewriteReply: (rep) => (isBurstData(rep) && rep.offset === 239 * 20 ? { ...rep, offset: bad } : rep) });
    expect(r).toMatchObject({ ok: false, failure: 'bad-data' });
    if (r.ok) return;
    expect(r.reason).toContain(`offset ${bad}`);
    expect(r.data.length).toBe(239 * 20);
    expect(Buffer.from(r.data).equals(Buffer.from(want.subarray(0, 239 * 20)))).toBe(true);
    expect(sent.at(-1)!.opcode).toBe(Op.TerminateSession);
  });

  it('a size of 4 GiB given at open grants no reach: the far reply is still refused', () => {
    const { r } = read(file(2000), { rewriteReply: (rep) => (isBurstData(rep) && rep.offset === 239 ? { ...rep, offset: 0xffffff00 } : rep) }, { reported: 0xffffffff });
    expect(r).toMatchObject({ ok: false, failure: 'bad-data' });
  });

  it('refuses a file larger than maxBytes, naming the limit', () => {
    const v = new ScriptedVehicle({ files: { 'a.bin': file(239 * 50) } });
    const st = createRead(T, { path: 'a.bin' }, { gcsSysid: 255, gcsCompid: 190, timeoutMs: 500, maxBytes: 239 * 10 });
    const r = runFtp(ftpReadMachine, st, v).result as FtpReadResult;
    expect(r).toMatchObject({ ok: false, failure: 'bad-data' });
    expect(!r.ok && r.reason).toContain(`${239 * 10}-byte limit`);
  });

  it('onDeadline ends the download as a timeout that names the deadline, bytes kept', () => {
    const want = file(239 * 3000);
    const st = createRead(T, { path: 'a.bin' }, { gcsSysid: 255, gcsCompid: 190, timeoutMs: 500 });
    const v = new ScriptedVehicle({ files: { 'a.bin': want } });
    // Deliver part of the file, then call the deadline as the driver would.
    const partial = runFtp(ftpReadMachine, st, v, {}, { maxMs: 50 });
    expect(partial.result).toBeUndefined();
    const step = ftpReadMachine.onDeadline(st, 60_000);
    const done = step.effects.find((e) => e.type === 'done');
    expect(done && done.type === 'done' && done.result).toMatchObject({ ok: false, failure: 'timeout' });
    expect(done && done.type === 'done' && !done.result.ok && done.result.reason).toContain('deadline');
    expect(step.effects.some((e) => e.type === 'send')).toBe(true);
  });

  it('retransmissions keep their seq (the vehicle resends its cached reply)', () => {
    const want = file(500);
    const { r, sent, v } = read(want, { dropReply: (rep) => rep.reqOpcode === Op.OpenFileRO && rep.seq === 1 && v0() });
    ok(r, want);
    const opens = sent.filter((p) => p.opcode === Op.OpenFileRO);
    expect(opens.length).toBe(2);
    expect(opens[0]!.seq).toBe(opens[1]!.seq);
    expect(v.requests.filter((p) => p.opcode === Op.OpenFileRO).length).toBe(2);
  });
});

let dropped = false;
function v0(): boolean {
  if (dropped) return false;
  dropped = true;
  return true;
}
