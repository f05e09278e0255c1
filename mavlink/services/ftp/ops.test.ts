/**
 * The other MAVFTP machines (ops.ts) against the scripted vehicle: directory listings over several pages
 * and with lost replies, FileNotFound for ArduPilot's unlistable @PARAM, a write whose replies get lost
 * (same seq → the cached reply, nothing written twice), remove, CRC32, reset, and cancel.
 */
import { describe, expect, it } from 'vitest';
import { FtpError, Op, ftpCrc32, type DirEntry } from './protocol.js';
import { createOp, ftpOpMachine, type FtpOpResult, type FtpOpSpec } from './ops.js';
import { ScriptedVehicle, runFtp, type Faults } from './testing.js';

const T = { sysid: 1, compid: 1 };
const many: DirEntry[] = Array.from({ length: 40 }, (_, i) => ({ kind: 'file', name: `log_${String(i).padStart(3, '0')}.bin`, size: 1000 + i }));

function op(spec: FtpOpSpec, v: ScriptedVehicle, faults: Faults = {}, cancelAtMs?: number) {
  const out = runFtp(ftpOpMachine, createOp(T, spec, { timeoutMs: 300, gcsSysid: 255, gcsCompid: 190 }), v, faults, cancelAtMs !== undefined ? { cancelAtMs } : {});
  return { ...out, r: out.result as FtpOpResult };
}

describe('MAVFTP list / write / remove / crc machines', () => {
  it('lists a directory over several pages, offsets counting entries', () => {
    const v = new ScriptedVehicle({ files: {}, dirs: { 'APM/LOGS': many } });
    const { r, sent } = op({ kind: 'list', path: 'APM/LOGS' }, v);
    expect(r.ok && r.entries).toEqual(many);
    const offsets = sent.map((p) => p.offset);
    expect(offsets[0]).toBe(0);
    expect(offsets.length).toBeGreaterThan(3);
    expect(offsets.at(-1)).toBe(40);
  });

  it('a listing survives lost requests and replies', () => {
    const v = new ScriptedVehicle({ files: {}, dirs: { 'APM/LOGS': many } });
    const { r } = op({ kind: 'list', path: 'APM/LOGS' }, v, { dropReply: (_p, n) => n % 2 === 0, dropRequest: (_p, n) => n % 3 === 0 });
    expect(r.ok && r.entries).toEqual(many);
  });

  it('@PARAM cannot be listed on ArduPilot → not-found', () => {
    const { r } = op({ kind: 'list', path: '@PARAM' }, new ScriptedVehicle({ files: { '@PARAM/param.pck': new Uint8Array(10) } }));
    expect(r).toMatchObject({ ok: false, failure: 'not-found', reason: 'list @PARAM: FileNotFound' });
  });

  it('writes a file in 239-byte blocks; lost replies are resent with the same seq, nothing written twice', () => {
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff);
    const v = new ScriptedVehicle({ files: {} });
    const { r, sent } = op({ kind: 'write', path: 'mission/a.plan', data }, v, { dropReply: (p, n) => p.reqOpcode === Op.WriteFile && n % 2 === 0 });
    expect(r).toMatchObject({ ok: true, written: 1000 });
    expect(Buffer.from(v.fs.files['mission/a.plan']!).equals(Buffer.from(data))).toBe(true);
    const writes = sent.filter((p) => p.opcode === Op.WriteFile);
    expect(new Set(writes.map((p) => p.offset))).toEqual(new Set([0, 239, 478, 717, 956]));
    expect(sent.at(-1)!.opcode).toBe(Op.TerminateSession);
  });

  it('remove, CRC32 (ArduPilot\'s crc_crc32), reset', () => {
    const bytes = new TextEncoder().encode('123456789');
    const v = new ScriptedVehicle({ files: { 'a.txt': bytes } });
    expect(op({ kind: 'crc32', path: 'a.txt' }, v).r).toMatchObject({ ok: true, crc32: ftpCrc32(bytes) });
    expect(op({ kind: 'remove', path: 'a.txt' }, v).r).toMatchObject({ ok: true });
    expect(op({ kind: 'remove', path: 'a.txt' }, v).r).toMatchObject({ ok: false, failure: 'not-found' });
    expect(op({ kind: 'reset' }, v).r).toMatchObject({ ok: true });
  });

  it('a NAK names the operation and the error; a dead link times out', () => {
    const v = new ScriptedVehicle({ files: {} });
    expect(op({ kind: 'mkdir', path: 'x' }, v, { nak: () => FtpError.FileExists }).r).toMatchObject({ ok: false, failure: 'exists', reason: 'mkdir x: FileExists' });
    expect(op({ kind: 'remove', path: 'x' }, v, { dropReply: () => true }).r).toMatchObject({ ok: false, failure: 'timeout', reason: expect.stringContaining('16 attempts') });
  });

  it('cancel during a write terminates the session', () => {
    const v = new ScriptedVehicle({ files: {} });
    const { r, sent } = op({ kind: 'write', path: 'b.bin', data: new Uint8Array(5000) }, v, { dropReply: (p) => p.reqOpcode === Op.WriteFile && p.offset >= 956 }, 2000);
    expect(r).toMatchObject({ ok: false, failure: 'cancelled' });
    expect(sent.at(-1)!.opcode).toBe(Op.TerminateSession);
  });
});

describe('ftpCrc32', () => {
  it('is reflected 0xEDB88320 from 0 without a final XOR, and chains over chunks', () => {
    // Bitwise reference.
    const ref = (b: Uint8Array): number => {
      let c = 0;
      for (const x of b) {
        c ^= x;
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
      }
      return c >>> 0;
    };
    const b = Uint8Array.from({ length: 5000 }, (_, i) => (i * 131) & 0xff);
    expect(ftpCrc32(b)).toBe(ref(b));
    expect(ftpCrc32(b.subarray(1234), ftpCrc32(b.subarray(0, 1234)))).toBe(ftpCrc32(b));
    // zlib's CRC-32 of "123456789" is 0xCBF43926; this one starts at 0 and skips the final XOR.
    expect(ftpCrc32(new TextEncoder().encode('123456789'))).not.toBe(0xcbf43926);
  });
});
