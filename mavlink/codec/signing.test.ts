/**
 * MAVLink 2 signing: signatures computed independently with node:crypto from the spec's formula, the real
 * signed ArduCopter session (tests/fixtures/signed-session.tlog, key = SHA-256("kongxun-test-key") per the
 * captures' README), and the receive rules (replay, stale stream, unsigned policy, RADIO_STATUS, wrong key,
 * all-zero key) both on Signer and end to end through MavConnection.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { common, minimal } from 'mavlink-mappings';
import { FakeClock } from '../../common/clock.js';
import { MavConnection, type Received } from '../connection.js';
import type { Transport, TransportEvents } from '../transport/types.js';
import type { Result } from '../../common/result.js';
import { FrameParser, IFLAG_SIGNED, encodeV2, type MavFrame } from './frame.js';
import { decodePayload, encodePayload, make, type MavLinkData } from './messages.js';
import {
  REPLAY_WINDOW,
  SIGNING_EPOCH_MS,
  Signer,
  computeSignature,
  isZeroKey,
  keyFromPassphrase,
  signFrame,
  type SigningConfig,
} from './signing.js';

/** `make` with loosely typed fields: bitmask values (e.g. base_mode 81) are plain numbers on the wire. */
const mk = <T extends MavLinkData>(cls: new () => T, fields: Record<string, unknown>): T => make(cls, fields as Partial<T>);

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../tests/fixtures/${name}`, import.meta.url)));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const sentFrame = (r: Result<Uint8Array>): Uint8Array => {
  if (!r.ok) throw new Error(r.reason);
  return r.value;
};
const KEY_HEX = '7bb60ae0477005fb2289c621453617ad1a49b8e45dc41623fc8c8e016f5c7b5c';
const KEY = new Uint8Array(Buffer.from(KEY_HEX, 'hex'));

/** The spec's formula, written out independently: SHA-256(key ‖ header ‖ payload ‖ CRC ‖ link id ‖ timestamp)[0:6]. */
function expectedSignature(key: Uint8Array, frame: Uint8Array): string {
  const len = frame[1]!;
  const upToCrc = frame.subarray(0, 10 + len + 2);
  const linkAndTimestamp = frame.subarray(10 + len + 2, 10 + len + 2 + 7);
  return createHash('sha256').update(key).update(upToCrc).update(linkAndTimestamp).digest().subarray(0, 6).toString('hex');
}

function tlogRecords(b: Uint8Array): { usec: bigint; frame: Uint8Array }[] {
  const out = [];
  let o = 0;
  while (o < b.length) {
    const total = 10 + b[o + 9]! + 2 + (b[o + 10]! & 1 ? 13 : 0);
    out.push({ usec: Buffer.from(b.subarray(o, o + 8)).readBigUInt64BE(), frame: b.subarray(o + 8, o + 8 + total) });
    o += 8 + total;
  }
  return out;
}

function parseOne(bytes: Uint8Array): MavFrame {
  const f = new FrameParser().push(bytes);
  expect(f).toHaveLength(1);
  return f[0]!;
}

function frameOf(msg: MavLinkData, opts: { seq?: number; sysid?: number; compid?: number; sign?: { key: Uint8Array; linkId: number; timestamp: number } } = {}): Uint8Array {
  const { msgid, crcExtra, payload } = encodePayload(msg);
  const f = encodeV2({ seq: opts.seq ?? 0, sysid: opts.sysid ?? 1, compid: opts.compid ?? 1 }, msgid, crcExtra, payload, !!opts.sign);
  if (opts.sign) signFrame(f, opts.sign.key, opts.sign.linkId, opts.sign.timestamp);
  return f;
}

/** Signing timestamp (10 µs units since 2015) of a wall-clock time in ms. */
const tsOf = (ms: number) => Math.floor((ms - SIGNING_EPOCH_MS) * 100);

const heartbeat = () => mk(minimal.Heartbeat, { customMode: 0, type: 2, autopilot: 3, baseMode: 81, systemStatus: 3, mavlinkVersion: 3 });

describe('signature computation', () => {
  it('keyFromPassphrase is SHA-256 of the passphrase (the captures README key)', () => {
    expect(hex(keyFromPassphrase('kongxun-test-key'))).toBe(KEY_HEX);
  });

  it('signFrame fills link id, 48-bit timestamp and the spec signature', () => {
    for (const [k, msg] of [heartbeat(), mk(common.StatusText, { severity: 6, text: 'signed', id: 0, chunkSeq: 0 })].entries()) {
      const f = frameOf(msg, { seq: k, sign: { key: KEY, linkId: 7, timestamp: 37532663099564 + k } });
      expect(f[2]! & IFLAG_SIGNED).toBe(1);
      const at = f.length - 13;
      expect(f[at]).toBe(7);
      expect(Buffer.from(f.subarray(at + 1, at + 7)).readUIntLE(0, 6)).toBe(37532663099564 + k);
      expect(hex(f.subarray(at + 7))).toBe(expectedSignature(KEY, f));
      expect(hex(computeSignature(KEY, f))).toBe(expectedSignature(KEY, f));
    }
  });

  it('refuses to sign a frame built without the signed flag', () => {
    expect(() => signFrame(frameOf(heartbeat()), KEY, 1, 1)).toThrow();
  });

  it('isZeroKey', () => {
    expect(isZeroKey(new Uint8Array(32))).toBe(true);
    expect(isZeroKey(KEY)).toBe(false);
  });
});

describe('the real signed session (signed-session.tlog)', () => {
  const records = tlogRecords(fixture('signed-session.tlog'));

  it('has 48 records, 21 of them signed (#19–#30, #32–#40)', () => {
    expect(records).toHaveLength(48);
    const signed = records.flatMap((r, k) => (r.frame[2]! & IFLAG_SIGNED ? [k] : []));
    expect(signed).toEqual([19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 32, 33, 34, 35, 36, 37, 38, 39, 40]);
  });

  it('every signature verifies by the spec formula, and the README worked examples match', () => {
    for (const r of records) {
      if (!(r.frame[2]! & IFLAG_SIGNED)) continue;
      expect(hex(r.frame.subarray(r.frame.length - 6))).toBe(expectedSignature(KEY, r.frame));
    }
    expect(hex(records[19]!.frame)).toBe('fd0901000c0101000000' + '000000000203510303' + 'a312' + '01' + 'ac300dc12222' + 'a25b929c62f6');
    const f25 = parseOne(records[25]!.frame);
    expect(f25).toMatchObject({ sysid: 255, compid: 190, msgid: 76, seq: 10 });
    expect(f25.signature).toMatchObject({ linkId: 1, timestamp: 37532663099567 });
    expect(hex(f25.signature!.bytes)).toBe('7fcbf2082170');
    expect(hex(parseOne(records[26]!.frame).signature!.bytes)).toBe('5913987eba1f');
    expect(hex(parseOne(records[27]!.frame).signature!.bytes)).toBe('68ad19c705bb');
    expect(hex(parseOne(records[40]!.frame).signature!.bytes)).toBe('6d497710b248');
    const cmd = decodePayload(76, f25.payload) as common.CommandLong;
    expect(cmd.command).toBe(512);
    expect(cmd._param1).toBe(148);
  });

  it('replayed through a Signer at capture time: 21 signed accepted, unsigned rejected, the SETUP_SIGNING key is the README key', () => {
    const clock = new FakeClock(Number(records[0]!.usec / 1000n));
    const signer = new Signer({ key: KEY, linkId: 1 }, clock);
    const verdicts: string[] = [];
    for (const r of records) {
      clock.advance(Number(r.usec / 1000n) - clock.now());
      const v = signer.verify(parseOne(r.frame));
      verdicts.push(v.ok ? (v.signed ? 'signed' : 'ok') : v.reason);
    }
    expect(verdicts.filter((v) => v === 'signed')).toHaveLength(21);
    expect(verdicts.filter((v) => v === 'unsigned')).toHaveLength(27);
    const setup = decodePayload(256, parseOne(records[18]!.frame).payload) as common.SetupSigning;
    expect(hex(new Uint8Array(setup.secretKey))).toBe(KEY_HEX);
    expect(setup.initialTimestamp).toBe(37532657099564n);
    // #40 disables signing: an all-zero key and timestamp 0
    const disable = decodePayload(256, parseOne(records[40]!.frame).payload) as common.SetupSigning;
    expect(isZeroKey(new Uint8Array(disable.secretKey))).toBe(true);
    expect(disable.initialTimestamp).toBe(0n);
  });

  it('with a wrong key every signed frame of the session is rejected as bad-signature', () => {
    const clock = new FakeClock(Number(records[0]!.usec / 1000n));
    const signer = new Signer({ key: keyFromPassphrase('not-the-key'), linkId: 1, unsigned: 'accept' }, clock);
    const bad = records.filter((r) => {
      const v = signer.verify(parseOne(r.frame));
      return !v.ok && v.reason === 'bad-signature';
    });
    expect(bad).toHaveLength(21);
  });
});

describe('Signer receive rules', () => {
  const T0 = Date.UTC(2026, 10, 24, 0, 0, 0);
  const signed = (timestamp: number, opts: { key?: Uint8Array; linkId?: number; sysid?: number; msg?: MavLinkData } = {}) =>
    parseOne(frameOf(opts.msg ?? heartbeat(), { sysid: opts.sysid ?? 1, sign: { key: opts.key ?? KEY, linkId: opts.linkId ?? 0, timestamp } }));

  it('accepts increasing timestamps per stream and rejects a replay (same timestamp twice, or older)', () => {
    const s = new Signer({ key: KEY, linkId: 0 }, new FakeClock(T0));
    const t = tsOf(T0);
    expect(s.verify(signed(t))).toEqual({ ok: true, signed: true, flagged: false });
    expect(s.verify(signed(t))).toEqual({ ok: false, reason: 'replay' });
    expect(s.verify(signed(t - 1))).toEqual({ ok: false, reason: 'replay' });
    expect(s.verify(signed(t + 1))).toMatchObject({ ok: true });
    // Streams are (sysid, compid, link id): the same timestamp on another link id or system is fine.
    expect(s.verify(signed(t + 1, { linkId: 1 }))).toMatchObject({ ok: true });
    expect(s.verify(signed(t + 1, { sysid: 2 }))).toMatchObject({ ok: true });
  });

  it('rejects a new stream more than one minute behind the local timestamp', () => {
    const s = new Signer({ key: KEY, linkId: 0 }, new FakeClock(T0));
    const local = tsOf(T0);
    expect(s.verify(signed(local - REPLAY_WINDOW - 1))).toEqual({ ok: false, reason: 'stale-stream' });
    expect(s.verify(signed(local - REPLAY_WINDOW + 1, { sysid: 3 }))).toMatchObject({ ok: true });
    // An established stream is judged by its own last timestamp only.
    const s2 = new Signer({ key: KEY, linkId: 0 }, new FakeClock(T0));
    expect(s2.verify(signed(local - 100))).toMatchObject({ ok: true });
  });

  it('wrong key → bad-signature; a flipped signature byte → bad-signature', () => {
    const s = new Signer({ key: KEY, linkId: 0 }, new FakeClock(T0));
    expect(s.verify(signed(tsOf(T0), { key: keyFromPassphrase('wrong') }))).toEqual({ ok: false, reason: 'bad-signature' });
    const f = frameOf(heartbeat(), { sign: { key: KEY, linkId: 0, timestamp: tsOf(T0) } });
    f[f.length - 1] = f[f.length - 1]! ^ (1);
    expect(s.verify(parseOne(f))).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('unsigned policy: reject (default), flag, accept; RADIO_STATUS always accepted', () => {
    const unsigned = parseOne(frameOf(heartbeat()));
    const radio = parseOne(frameOf(mk(common.RadioStatus, { rxerrors: 0, fixed: 0, rssi: 200, remrssi: 190, txbuf: 100, noise: 40, remnoise: 41 })));
    const clock = new FakeClock(T0);
    const reject = new Signer({ key: KEY, linkId: 0 }, clock);
    expect(reject.policy).toBe('reject');
    expect(reject.verify(unsigned)).toEqual({ ok: false, reason: 'unsigned' });
    expect(reject.verify(radio)).toEqual({ ok: true, signed: false, flagged: false });
    const flag = new Signer({ key: KEY, linkId: 0, unsigned: 'flag' }, clock);
    expect(flag.verify(unsigned)).toEqual({ ok: true, signed: false, flagged: true });
    const accept = new Signer({ key: KEY, linkId: 0, unsigned: 'accept' }, clock);
    expect(accept.verify(unsigned)).toEqual({ ok: true, signed: false, flagged: false });
  });

  it('an all-zero key means signing is off: everything accepted, nothing signed', () => {
    const s = new Signer({ key: new Uint8Array(32), linkId: 0 }, new FakeClock(T0));
    expect(s.enabled).toBe(false);
    expect(s.signsOutgoing).toBe(false);
    expect(s.verify(parseOne(frameOf(heartbeat())))).toMatchObject({ ok: true, signed: false });
    expect(s.verify(signed(1, { key: keyFromPassphrase('whatever') }))).toMatchObject({ ok: true });
  });

  it('outgoing timestamps: wall time, strictly increasing, never behind a peer', () => {
    const clock = new FakeClock(T0);
    const s = new Signer({ key: KEY, linkId: 0 }, clock);
    const a = s.nextTimestamp();
    expect(a).toBe(tsOf(T0));
    expect(s.nextTimestamp()).toBe(a + 1); // clock did not move
    // A peer (e.g. the vehicle after SETUP_SIGNING, +60 s) runs ahead: we continue from its timestamp.
    expect(s.verify(signed(a + 6_000_000))).toMatchObject({ ok: true });
    expect(s.nextTimestamp()).toBe(a + 6_000_001);
    clock.advance(120_000);
    expect(s.nextTimestamp()).toBe(tsOf(T0 + 120_000));
  });
});

/** A transport that hands each sent chunk straight to its peer's onData (synchronously). */
class PipeTransport implements Transport {
  readonly kind = 'memory' as const;
  events: TransportEvents | undefined;
  peer: PipeTransport | undefined;
  readonly sent: Uint8Array[] = [];
  /** When set, what would be sent is dropped instead (to inject frames by hand). */
  mute = false;
  constructor(readonly url: string) {}
  async open(events: TransportEvents) {
    this.events = events;
    return { ok: true as const, value: undefined };
  }
  send(bytes: Uint8Array): boolean {
    this.sent.push(bytes.slice());
    if (!this.mute) this.peer?.events?.onData(bytes.slice(), this.url, false);
    return true;
  }
  async close() {}
  peers() {
    return this.peer ? [this.peer.url] : [];
  }
  inject(bytes: Uint8Array, datagram = false) {
    this.events!.onData(bytes, 'memory:injected', datagram);
  }
}

async function linkedPair(signing: { gcs?: SigningConfig; vehicle?: SigningConfig }, clock = new FakeClock()) {
  const ta = new PipeTransport('memory:gcs');
  const tb = new PipeTransport('memory:vehicle');
  ta.peer = tb;
  tb.peer = ta;
  const gcs = new MavConnection(ta, { clock, sysid: 255, compid: 190, signing: signing.gcs });
  const vehicle = new MavConnection(tb, { clock, sysid: 1, compid: 1, signing: signing.vehicle });
  await gcs.open();
  await vehicle.open();
  const atGcs: Received[] = [];
  const atVehicle: Received[] = [];
  gcs.onMessage((r) => atGcs.push(r));
  vehicle.onMessage((r) => atVehicle.push(r));
  return { ta, tb, gcs, vehicle, atGcs, atVehicle, clock };
}

describe('signing through MavConnection', () => {
  const cmd = () => mk(common.CommandLong, { command: 512, _param1: 148, targetSystem: 1, targetComponent: 1 });

  it('round-trips signed frames both ways; the signatures verify independently', async () => {
    const { gcs, vehicle, atGcs, atVehicle, ta, tb } = await linkedPair({ gcs: { key: KEY, linkId: 1 }, vehicle: { key: KEY, linkId: 2 } });
    const out = sentFrame(gcs.send(cmd()));
    expect(out[2]! & IFLAG_SIGNED).toBe(1);
    expect(hex(out.subarray(out.length - 6))).toBe(expectedSignature(KEY, out));
    vehicle.send(heartbeat());
    vehicle.send(heartbeat());
    expect(atVehicle).toHaveLength(1);
    expect(atVehicle[0]!.frame.signature!.linkId).toBe(1);
    expect((atVehicle[0]!.message as common.CommandLong).command).toBe(512);
    expect(atGcs.map((r) => r.frame.signature!.linkId)).toEqual([2, 2]);
    expect(atGcs[1]!.frame.signature!.timestamp).toBeGreaterThan(atGcs[0]!.frame.signature!.timestamp);
    for (const f of [...ta.sent, ...tb.sent]) expect(hex(f.subarray(f.length - 6))).toBe(expectedSignature(KEY, f));
    expect(gcs.stats.framesIn).toBe(2);
    expect(vehicle.stats.framesOut).toBe(2);
  });

  it('rejects a replayed frame (same timestamp twice) and counts it', async () => {
    const { gcs, vehicle, atVehicle, tb, ta } = await linkedPair({ gcs: { key: KEY, linkId: 1 }, vehicle: { key: KEY, linkId: 1 } });
    const f = sentFrame(gcs.send(cmd()));
    expect(atVehicle).toHaveLength(1);
    tb.inject(ta.sent[0]!.slice());
    tb.inject(f.slice());
    expect(atVehicle).toHaveLength(1);
    expect(vehicle.stats.rejectedReplay).toBe(2);
  });

  it('rejects a stale new stream (> 1 min behind) and counts it with replays', async () => {
    const clock = new FakeClock();
    const { vehicle, atVehicle, tb } = await linkedPair({ vehicle: { key: KEY, linkId: 1 } }, clock);
    const old = frameOf(heartbeat(), { sysid: 200, sign: { key: KEY, linkId: 1, timestamp: tsOf(clock.now() - 61_000) } });
    tb.inject(old);
    expect(atVehicle).toHaveLength(0);
    expect(vehicle.stats.rejectedReplay).toBe(1);
    const fresh = frameOf(heartbeat(), { sysid: 201, sign: { key: KEY, linkId: 1, timestamp: tsOf(clock.now() - 59_000) } });
    tb.inject(fresh);
    expect(atVehicle).toHaveLength(1);
  });

  it('unsigned policy end to end: reject counts, flag marks, accept passes; RADIO_STATUS passes under reject', async () => {
    const radio = mk(common.RadioStatus, { rxerrors: 0, fixed: 0, rssi: 200, remrssi: 190, txbuf: 100, noise: 40, remnoise: 41 });
    for (const policy of ['reject', 'flag', 'accept'] as const) {
      const { gcs, vehicle, atVehicle } = await linkedPair({ vehicle: { key: KEY, linkId: 1, unsigned: policy } });
      gcs.send(cmd()); // GCS has no signing: unsigned
      gcs.send(radio);
      if (policy === 'reject') {
        expect(atVehicle.map((r) => r.frame.msgid)).toEqual([109]);
        expect(vehicle.stats.rejectedUnsigned).toBe(1);
      } else {
        expect(atVehicle.map((r) => [r.frame.msgid, r.flaggedUnsigned])).toEqual([
          [76, policy === 'flag'],
          [109, false], // a radio cannot sign: RADIO_STATUS is accepted as is, never flagged
        ]);
      }
    }
  });

  it('wrong key: rejected as bad signature', async () => {
    const { gcs, vehicle, atVehicle } = await linkedPair({ gcs: { key: keyFromPassphrase('wrong'), linkId: 1 }, vehicle: { key: KEY, linkId: 1 } });
    gcs.send(cmd());
    expect(atVehicle).toHaveLength(0);
    expect(vehicle.stats.rejectedBadSignature).toBe(1);
  });

  it('all-zero key: nothing is signed and unsigned frames are accepted', async () => {
    const zero = new Uint8Array(32);
    const { gcs, atVehicle } = await linkedPair({ gcs: { key: zero, linkId: 1 }, vehicle: { key: zero, linkId: 1 } });
    const f = sentFrame(gcs.send(cmd()));
    expect(f[2]! & IFLAG_SIGNED).toBe(0);
    expect(atVehicle).toHaveLength(1);
  });

  it('signOutgoing: false sends unsigned while still checking what comes in', async () => {
    const { gcs, vehicle, atVehicle, atGcs } = await linkedPair({
      gcs: { key: KEY, linkId: 1, signOutgoing: false, unsigned: 'reject' },
      vehicle: { key: KEY, linkId: 1, unsigned: 'accept' },
    });
    expect(sentFrame(gcs.send(cmd()))[2]! & IFLAG_SIGNED).toBe(0);
    expect(atVehicle).toHaveLength(1);
    vehicle.send(heartbeat());
    expect(atGcs).toHaveLength(1);
    expect(atGcs[0]!.frame.signature).toBeDefined();
  });

  it('encodeV2 of a signed frame leaves 13 bytes for the signer', () => {
    const { msgid, crcExtra, payload } = encodePayload(heartbeat());
    const plain = encodeV2({ seq: 0, sysid: 1, compid: 1 }, msgid, crcExtra, payload);
    const withSpace = encodeV2({ seq: 0, sysid: 1, compid: 1 }, msgid, crcExtra, payload, true);
    expect(withSpace.length).toBe(plain.length + 13);
  });
});
