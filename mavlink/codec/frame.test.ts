/**
 * FrameParser: real captures (a flight tlog and the raw boot bytes of TCP 5760 with console text), every
 * split point, garbage, truncation, bad CRC, MAVLink 1, unknown ids, datagrams, and a 10 MB garbage chunk.
 */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { common, minimal } from 'mavlink-mappings';
import { MavLinkPacketParser, MavLinkPacketSplitter, type MavLinkPacket } from 'node-mavlink';
import { crc16, crc16Byte } from './crc.js';
import { FrameParser, IFLAG_SIGNED, encodeV1, encodeV2, readUint48, writeUint48, type MavFrame } from './frame.js';
import { baseLength, decodePayload, encodePayload, make, messageName, type MavLinkData, type MessageClass } from './messages.js';
import { signFrame } from './signing.js';

/** `make` with loosely typed fields: bitmask values (e.g. base_mode 81) are plain numbers on the wire. */
const mk = <T extends MavLinkData>(cls: new () => T, fields: Record<string, unknown>): T => make(cls, fields as Partial<T>);

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../tests/fixtures/${name}`, import.meta.url)));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Records of a .tlog: 8-byte big-endian µs timestamp + one MAVLink 2 frame (README of the captures). */
function tlogRecords(b: Uint8Array): { offset: number; frame: Uint8Array }[] {
  const out = [];
  let o = 0;
  while (o < b.length) {
    expect(b[o + 8]).toBe(0xfd);
    const total = 10 + b[o + 9]! + 2 + (b[o + 10]! & 1 ? 13 : 0);
    out.push({ offset: o + 8, frame: b.subarray(o + 8, o + 8 + total) });
    o += 8 + total;
  }
  expect(o).toBe(b.length);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function v2(msg: MavLinkData, seq = 0, sysid = 1, compid = 1): Uint8Array {
  const { msgid, crcExtra, payload } = encodePayload(msg);
  return encodeV2({ seq, sysid, compid }, msgid, crcExtra, payload);
}

function v1(msg: MavLinkData, seq = 0, sysid = 1, compid = 1): Uint8Array {
  const { msgid, crcExtra, payload } = encodePayload(msg);
  return encodeV1({ seq, sysid, compid }, msgid, crcExtra, payload.subarray(0, baseLength(msg.constructor as MessageClass)));
}

function signedV2(msg: MavLinkData, seq: number, timestamp: number): Uint8Array {
  const { msgid, crcExtra, payload } = encodePayload(msg);
  const f = encodeV2({ seq, sysid: 255, compid: 190 }, msgid, crcExtra, payload, true);
  signFrame(f, new Uint8Array(32).fill(7), 1, timestamp);
  return f;
}

/** A frame with an id no dialect of ours has; its CRC uses an arbitrary extra byte. */
function unknownFrame(msgid: number, payload: number[], seq = 0): Uint8Array {
  return encodeV2({ seq, sysid: 1, compid: 1 }, msgid, 0x5a, new Uint8Array(payload));
}

const heartbeat = (customMode = 0) =>
  mk(minimal.Heartbeat, { customMode, type: 2, autopilot: 3, baseMode: 81, systemStatus: 3, mavlinkVersion: 3 });

/** A small mixed stream: v2 of several sizes, a signed v2, a v1, FTP (long). */
function mixedFrames(): Uint8Array[] {
  return [
    v2(heartbeat(4), 0),
    v2(mk(common.StatusText, { severity: 6, text: 'Frame: QUAD/PLUS', id: 0, chunkSeq: 0 }), 1),
    signedV2(mk(common.CommandLong, { command: 512, _param1: 148, targetSystem: 1, targetComponent: 1 }), 2, 37532663099567),
    v1(mk(common.ParamValue, { paramValue: 4, paramCount: 1349, paramIndex: 7, paramId: 'MAV1_EXTRA1', paramType: 2 }), 3),
    v2(mk(common.FileTransferProtocol, { targetNetwork: 0, targetSystem: 255, targetComponent: 190, payload: Array.from({ length: 251 }, (_, k) => k & 0xff) }), 4),
    v2(mk(common.SystemTime, { timeUnixUsec: 1_763_862_000_000_000n, timeBootMs: 1 }), 5),
  ];
}

async function nodeMavlinkCount(bytes: Uint8Array): Promise<MavLinkPacket[]> {
  const packets: MavLinkPacket[] = [];
  const s = Readable.from([Buffer.from(bytes)], { objectMode: false }).pipe(new MavLinkPacketSplitter()).pipe(new MavLinkPacketParser());
  for await (const p of s) packets.push(p as MavLinkPacket);
  return packets;
}

describe('real captures', () => {
  const tlog = fixture('copter-mission-flight.tlog');
  const records = tlogRecords(tlog);

  it('copter-mission-flight.tlog: every frame of the 23 938 records parses with a good CRC and decodes', () => {
    expect(records).toHaveLength(23938);
    const stream = concat(records.map((r) => r.frame));
    const p = new FrameParser();
    const frames = p.push(stream);
    expect(frames).toHaveLength(records.length);
    expect(p.stats).toMatchObject({ frames: 23938, badCrc: 0, garbageBytes: 0, unknown: 0, bytes: stream.length });
    const counts = new Map<string, number>();
    for (const [k, f] of frames.entries()) {
      expect(hex(f.raw)).toBe(hex(records[k]!.frame));
      expect(f.known).toBe(true);
      const m = decodePayload(f.msgid, f.payload);
      expect(m).toBeDefined();
      const key = `${messageName(f.msgid)}/${f.sysid}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    // Message counts from the captures' README (mavlogdump), vehicle 1/1 and GCS 255/190.
    expect(Object.fromEntries(counts)).toMatchObject({
      'HEARTBEAT/1': 209,
      'HEARTBEAT/255': 194,
      'PARAM_VALUE/1': 1406,
      'EKF_STATUS_REPORT/1': 803,
      'AHRS/1': 807,
      'MISSION_CURRENT/1': 807,
      'STATUSTEXT/1': 53,
      'COMMAND_LONG/255': 14,
      'COMMAND_ACK/1': 14,
      'MISSION_ITEM_INT/1': 7,
      'MISSION_ITEM_INT/255': 7,
      'MISSION_REQUEST/1': 7,
      'AUTOPILOT_VERSION/1': 1,
    });
  });

  it('decodes documented values: the 3-line banner, AUTOPILOT_VERSION, MISSION_CURRENT extensions', () => {
    const frames = new FrameParser().push(concat(records.map((r) => r.frame)));
    const texts = frames.filter((f) => f.msgid === 253).map((f) => (decodePayload(253, f.payload) as common.StatusText).text);
    expect(texts.slice(2, 5)).toEqual(['ArduCopter V4.7.0-dev (90700977)', '3d1219c7c4c5404aaa1f6d2a48adfda4', 'Frame: QUAD/PLUS']);
    expect(texts.at(-1)).toBe('Disarming motors');
    const av = decodePayload(148, frames.find((f) => f.msgid === 148)!.payload) as unknown as Record<string, unknown>;
    expect(av.flightSwVersion).toBe(67567616);
    expect(av.capabilities).toBe(64495n);
    expect(String.fromCharCode(...(av.flightCustomVersion as number[]))).toBe('90700977');
    const mc = frames.filter((f) => f.msgid === 42).map((f) => decodePayload(42, f.payload) as common.MissionCurrent);
    expect(mc.some((m) => m.total === 6 && m.missionState === 3)).toBe(true);
    expect(mc.at(-1)).toMatchObject({ seq: 0, missionState: 5 });
    const params = frames.filter((f) => f.msgid === 22).map((f) => decodePayload(22, f.payload) as common.ParamValue);
    expect(params.find((p) => p.paramIndex === 0)).toMatchObject({ paramId: 'FORMAT_VERSION', paramValue: 120, paramType: 4 });
  });

  it('the tlog read as a raw stream (timestamps = garbage): exactly the recorded frames, no phantom frame', () => {
    // Regression: a timestamp's 0xFD once started a phantom unknown-id frame that swallowed a real one.
    const p = new FrameParser();
    const frames = p.push(tlog);
    expect(frames.map((f) => hex(f.raw))).toEqual(records.map((r) => hex(r.frame)));
    expect(p.stats.unknown).toBe(0);
    expect(p.stats.garbageBytes).toBe(records.length * 8);
  });

  it('port5760-boot-raw.bin: all 2 204 frames recovered from between the console text', async () => {
    const raw = fixture('port5760-boot-raw.bin');
    const p = new FrameParser();
    const frames = p.push(raw);
    // Independent count: node-mavlink's splitter on the same bytes.
    const theirs = await nodeMavlinkCount(raw);
    expect(frames).toHaveLength(theirs.length);
    expect(frames.map((f) => hex(f.raw))).toEqual(theirs.map((t) => t.buffer.toString('hex')));
    expect(frames).toHaveLength(2204); // and the README's number
    expect(p.stats).toMatchObject({ frames: 2204, badCrc: 0, garbageBytes: 164, unknown: 0 });
    expect(frames.reduce((n, f) => n + f.raw.length, 0)).toBe(78662);
    // The text pieces sit where the README says.
    const text = (o: number, n: number) => new TextDecoder().decode(raw.subarray(o, o + n));
    expect(text(0, 152)).toContain('Init ArduCopter V4.7.0-dev (90700977)');
    expect(text(51010, 9)).toBe('Init Gyro');
    const counts = new Map<string, number>();
    for (const f of frames) counts.set(messageName(f.msgid), (counts.get(messageName(f.msgid)) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toMatchObject({ PARAM_VALUE: 1382, STATUSTEXT: 22, HEARTBEAT: 15, COMMAND_ACK: 5, AUTOPILOT_VERSION: 1, TIMESYNC: 1 });
  });

  it('port5760-boot-raw.bin one byte at a time, and in random chunks: the same frames', () => {
    const raw = fixture('port5760-boot-raw.bin');
    const whole = new FrameParser().push(raw).map((f) => hex(f.raw));
    const p1 = new FrameParser();
    const byByte: MavFrame[] = [];
    for (let k = 0; k < raw.length; k++) p1.push(raw.subarray(k, k + 1), byByte);
    expect(byByte.map((f) => hex(f.raw))).toEqual(whole);
    expect(p1.stats.garbageBytes).toBe(164);
    let seed = 99;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    const p2 = new FrameParser();
    const chunked: MavFrame[] = [];
    for (let o = 0; o < raw.length; ) {
      const n = 1 + rnd(700);
      p2.push(raw.subarray(o, o + n), chunked);
      o += n;
    }
    expect(chunked.map((f) => hex(f.raw))).toEqual(whole);
  });
});

describe('framing', () => {
  const frames = mixedFrames();
  const stream = concat(frames);

  it('parses v1, v2 and signed v2 frames with their header fields', () => {
    const out = new FrameParser().push(stream);
    expect(out.map((f) => [f.version, f.seq, f.msgid, f.incompatFlags])).toEqual([
      [2, 0, 0, 0],
      [2, 1, 253, 0],
      [2, 2, 76, IFLAG_SIGNED],
      [1, 3, 22, 0],
      [2, 4, 110, 0],
      [2, 5, 2, 0],
    ]);
    expect(out[2]!.signature).toMatchObject({ linkId: 1, timestamp: 37532663099567 });
    expect(out[2]!.sysid).toBe(255);
    expect(out[2]!.compid).toBe(190);
    expect(out[3]!.compatFlags).toBe(0);
    expect(out.map((f) => hex(f.raw))).toEqual(frames.map(hex));
    expect(out.every((f) => f.payload.length === f.raw[1])).toBe(true);
  });

  it('gives each frame its own bytes: later input does not change earlier frames', () => {
    const p = new FrameParser();
    const input = stream.slice();
    const first = p.push(input);
    const before = first.map((f) => hex(f.raw));
    input.fill(0xaa);
    p.push(stream.slice());
    expect(first.map((f) => hex(f.raw))).toEqual(before);
    // payload and signature are views of raw's bytes
    expect(hex(first[1]!.payload)).toBe(hex(first[1]!.raw.subarray(10, 10 + first[1]!.raw[1]!)));
    expect(hex(first[2]!.signature!.bytes)).toBe(hex(first[2]!.raw.subarray(first[2]!.raw.length - 6)));
  });

  it('split at every byte boundary: same frames, nothing counted as garbage', () => {
    const expected = frames.map(hex);
    for (let k = 0; k <= stream.length; k++) {
      const p = new FrameParser();
      const out: MavFrame[] = [];
      p.push(stream.subarray(0, k), out);
      p.push(stream.subarray(k), out);
      expect(out.map((f) => hex(f.raw)), `split at ${k}`).toEqual(expected);
      expect(p.stats.garbageBytes).toBe(0);
      expect(p.stats.badCrc).toBe(0);
    }
  });

  it('split at every pair of boundaries of a shorter stream', () => {
    const short = concat(frames.slice(0, 4));
    const expected = frames.slice(0, 4).map(hex);
    for (let a = 0; a <= short.length; a += 1) {
      for (let b = a; b <= short.length; b += 3) {
        const p = new FrameParser();
        const out: MavFrame[] = [];
        p.push(short.subarray(0, a), out);
        p.push(short.subarray(a, b), out);
        p.push(short.subarray(b), out);
        expect(out.map((f) => hex(f.raw))).toEqual(expected);
      }
    }
  });

  it('skips garbage between frames, including stray start bytes, and counts it', () => {
    const garbage = [
      new TextEncoder().encode('\n\nInit ArduCopter\n'),
      new Uint8Array([0xfd]),
      new Uint8Array([0xfe, 0x03]),
      new Uint8Array([0xfd, 0x09, 0x00]),
      new Uint8Array([0x00, 0x00, 0x00, 0x20]),
      new Uint8Array([0xfd, 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0]), // unknown incompat flag
    ];
    const parts: Uint8Array[] = [];
    let g = 0;
    for (const f of frames) {
      const junk = garbage[g++ % garbage.length]!;
      parts.push(junk, f);
    }
    parts.push(new Uint8Array(300)); // trailing zeros settle any start byte still waiting for bytes
    const input = concat(parts);
    const p = new FrameParser();
    const out = p.push(input);
    expect(out.map((f) => hex(f.raw))).toEqual(frames.map(hex));
    const framed = frames.reduce((n, f) => n + f.length, 0);
    expect(p.stats.garbageBytes).toBe(input.length - framed);
  });

  it('recovers after a truncated frame (stream): the cut frame fails its CRC, the next ones are found', () => {
    const cut = frames[4]!.subarray(0, 100); // FTP frame cut in its payload
    const input = concat([frames[0]!, cut, frames[1]!, frames[5]!, new Uint8Array(300)]);
    const p = new FrameParser();
    const out = p.push(input);
    expect(out.map((f) => hex(f.raw))).toEqual([frames[0]!, frames[1]!, frames[5]!].map(hex));
    expect(p.stats.badCrc).toBeGreaterThanOrEqual(1);
  });

  it('counts a bad CRC and drops only that frame', () => {
    const bad = frames[1]!.slice();
    bad[15] = bad[15]! ^ (0x01);
    const badSigned = frames[2]!.slice();
    badSigned[badSigned.length - 15] = badSigned[badSigned.length - 15]! ^ (0x80); // in the CRC bytes
    const p = new FrameParser();
    const out = p.push(concat([frames[0]!, bad, badSigned, frames[5]!]));
    expect(out.map((f) => f.seq)).toEqual([0, 5]);
    expect(p.stats.badCrc).toBe(2);
  });

  it('a frame with an unknown incompatibility flag is dropped', () => {
    const f = frames[0]!.slice();
    f[2] = 0x02;
    // Recompute the CRC so only the flag is wrong.
    const crc = crc16Byte(50, crc16(f, 1, f.length - 2));
    f[f.length - 2] = crc & 0xff;
    f[f.length - 1] = crc >> 8;
    const p = new FrameParser();
    expect(p.push(concat([f, frames[5]!])).map((x) => x.seq)).toEqual([5]);
  });

  it('passes unknown message ids through raw (known: false)', () => {
    const u = unknownFrame(0x123456, [1, 2, 3, 4, 5], 9);
    const p = new FrameParser();
    const out = p.push(concat([frames[0]!, u, frames[5]!]));
    expect(out).toHaveLength(3);
    expect(out[1]).toMatchObject({ known: false, msgid: 0x123456, seq: 9, version: 2 });
    expect(hex(out[1]!.raw)).toBe(hex(u));
    expect(hex(out[1]!.payload)).toBe('0102030405');
    expect(p.stats.unknown).toBe(1);
    // at the very end of the input, and as a whole datagram
    expect(new FrameParser().push(u)[0]).toMatchObject({ known: false });
    expect(new FrameParser().pushDatagram(u)[0]).toMatchObject({ known: false });
    expect(decodePayload(0x123456, out[1]!.payload)).toBeUndefined();
  });

  it('an unknown frame is not accepted when not followed by a start byte (noise)', () => {
    const u = unknownFrame(0x123456, [1, 2, 3]);
    const p = new FrameParser();
    const out = p.push(concat([u, new Uint8Array([0x41, 0x42]), frames[0]!]));
    expect(out.map((f) => f.msgid)).toEqual([0]);
  });

  it('a phantom unknown-id header in garbage never swallows a real frame', () => {
    // Garbage: a v2 header with an unknown id whose length ends exactly at the start of the frame after the
    // next one, so the byte after it is a start byte (as happened with a tlog timestamp in the flight capture).
    const real = frames[1]!;
    const fake = new Uint8Array([0xfd, real.length - 2, 0x00, 0x00, 0x18, 0x00, 0x00, 0x54, 0x01, 0x01]);
    for (const mode of ['stream', 'datagram'] as const) {
      const p = new FrameParser();
      const input = concat([fake, real, frames[0]!]);
      const out = mode === 'stream' ? p.push(input) : p.pushDatagram(input);
      expect(out.map((f) => hex(f.raw)), mode).toEqual([real, frames[0]!].map(hex));
      expect(p.stats.unknown).toBe(0);
      expect(p.stats.garbageBytes).toBe(fake.length);
    }
  });

  it('the phantom check waits for bytes in a stream instead of guessing', () => {
    const real = frames[1]!;
    const fake = new Uint8Array([0xfd, real.length - 2, 0x00, 0x00, 0x18, 0x00, 0x00, 0x54, 0x01, 0x01]);
    const input = concat([fake, real, frames[0]!]);
    for (let k = 0; k <= input.length; k++) {
      const p = new FrameParser();
      const out: MavFrame[] = [];
      p.push(input.subarray(0, k), out);
      p.push(input.subarray(k), out);
      expect(out.map((f) => hex(f.raw)), `split at ${k}`).toEqual([real, frames[0]!].map(hex));
    }
  });

  it('a signed frame whose signature was cut short does not swallow the frame after it', () => {
    // The CRC does not cover the signature: without a check, the next frame's first bytes would be taken
    // as the rest of the signature and that frame lost.
    const cut = frames[2]!.subarray(0, frames[2]!.length - 5);
    for (const mode of ['stream', 'datagram'] as const) {
      const p = new FrameParser();
      const input = concat([cut, frames[0]!, frames[5]!]);
      const out = mode === 'stream' ? p.push(input) : p.pushDatagram(input);
      expect(out.map((f) => hex(f.raw)), mode).toEqual([frames[0]!, frames[5]!].map(hex));
      expect(p.stats.garbageBytes).toBe(cut.length);
    }
    // An intact signed frame followed by another is of course kept.
    expect(new FrameParser().push(concat([frames[2]!, frames[0]!])).map((f) => f.seq)).toEqual([2, 0]);
  });

  it('reset() drops a partial frame held from an earlier chunk', () => {
    const p = new FrameParser();
    expect(p.push(frames[1]!.subarray(0, 20))).toHaveLength(0);
    p.reset();
    expect(p.push(frames[0]!).map((f) => f.msgid)).toEqual([0]);
    expect(p.push(frames[1]!.subarray(20))).toHaveLength(0);
  });
});

describe('datagrams', () => {
  const frames = mixedFrames();

  it('a truncated frame at the end of one datagram does not swallow the next datagram', () => {
    const p = new FrameParser();
    const out: MavFrame[] = [];
    p.pushDatagram(concat([frames[0]!, frames[1]!.subarray(0, 12)]), out);
    p.pushDatagram(frames[5]!, out);
    p.pushDatagram(concat([frames[2]!, frames[3]!]), out);
    expect(out.map((f) => f.seq)).toEqual([0, 5, 2, 3]);
    expect(p.stats.truncated).toBe(1);
    expect(p.stats.garbageBytes).toBe(12);
    // Contrast: as a stream, the partial frame waits for its bytes and the next frame is read into it.
    const s = new FrameParser();
    const sOut: MavFrame[] = [];
    s.push(concat([frames[0]!, frames[1]!.subarray(0, 12)]), sOut);
    expect(sOut).toHaveLength(1);
  });

  it('a start byte in garbage claiming more bytes than the datagram has does not hide the frames after it', () => {
    const p = new FrameParser();
    const junk = new Uint8Array([0x20, 0xfd, 0xf0, 0x00, 0x01]); // "frame" of 252 payload bytes
    const out = p.pushDatagram(concat([junk, frames[0]!, frames[3]!]));
    expect(out.map((f) => f.seq)).toEqual([0, 3]);
    expect(p.stats.garbageBytes).toBe(junk.length);
    expect(p.stats.truncated).toBe(1);
    // and a datagram that is only a cut-off header
    const q = new FrameParser();
    expect(q.pushDatagram(frames[0]!.subarray(0, 5))).toHaveLength(0);
    expect(q.stats).toMatchObject({ truncated: 1, garbageBytes: 5 });
  });

  it('several whole frames in one datagram', () => {
    const p = new FrameParser();
    expect(p.pushDatagram(concat(frames)).map((f) => f.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(p.stats).toMatchObject({ truncated: 0, garbageBytes: 0, frames: 6 });
  });
});

describe('large garbage', () => {
  it('scans a 10 MB chunk of garbage without start bytes in one pass, then finds the frame after it', () => {
    const size = 10 * 1024 * 1024;
    const junk = new Uint8Array(size);
    let seed = 7;
    for (let k = 0; k < size; k++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      let b = seed >>> 24;
      if (b === 0xfd || b === 0xfe) b = 0x20;
      junk[k] = b;
    }
    const f = mixedFrames()[0]!;
    const p = new FrameParser();
    const out = p.push(concat([junk, f]));
    expect(out).toHaveLength(1);
    expect(p.stats.garbageBytes).toBe(size);
    expect(p.stats.badCrc).toBe(0);
  });

  it('10 MB of random bytes (start bytes included), pushed in 64 KiB chunks: every byte is a frame byte or counted garbage', () => {
    const size = 10 * 1024 * 1024;
    const junk = new Uint8Array(size);
    let seed = 11;
    for (let k = 0; k < size; k++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      junk[k] = seed >>> 24;
    }
    const tail = mixedFrames();
    const input = concat([junk, new Uint8Array(300), ...tail]);
    const p = new FrameParser();
    const out: MavFrame[] = [];
    for (let o = 0; o < input.length; o += 65536) p.push(input.subarray(o, o + 65536), out);
    // Frames formed by chance in random bytes are allowed (a 16-bit CRC passes 1 in 65 536); the real ones
    // at the end must all be there, and the accounting must add up.
    expect(out.slice(-tail.length).map((f) => hex(f.raw))).toEqual(tail.map(hex));
    const inFrames = out.reduce((n, f) => n + f.raw.length, 0);
    expect(p.stats.garbageBytes + inFrames).toBe(input.length);
    expect(p.stats.bytes).toBe(input.length);
  });

  it('a stream of start bytes with invalid headers is skipped byte by byte', () => {
    const p = new FrameParser();
    const input = concat([new Uint8Array(1 << 20).fill(0xfd), mixedFrames()[0]!]);
    const out = p.push(input);
    expect(out).toHaveLength(1);
    expect(p.stats.garbageBytes).toBe(1 << 20);
  });
});

describe('48-bit helpers', () => {
  it('round-trip signing timestamps up to 2^48 - 1', () => {
    const b = new Uint8Array(8);
    for (const v of [0, 1, 37532663099564, 2 ** 48 - 1]) {
      writeUint48(b, 1, v);
      expect(readUint48(b, 1)).toBe(v);
    }
    writeUint48(b, 0, 37532663099564);
    expect(hex(b.subarray(0, 6))).toBe('ac300dc12222');
  });
});
