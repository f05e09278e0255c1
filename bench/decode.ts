/**
 * Decode throughput, three ways, on the same realistic byte stream: the frames of a real ArduCopter session
 * (tests/fixtures/copter-mission-flight.tlog, tlog timestamps stripped) concatenated and repeated to ~50 MB,
 * fed in 64 KiB chunks as a TCP socket would deliver them.
 *
 *   (a) floor:        a bare loop that walks headers and checks each CRC (no objects, no decoding);
 *   (b) ours:         FrameParser.push + decodePayload to typed messages;
 *   (c) node-mavlink: MavLinkPacketSplitter → MavLinkPacketParser (piped streams), then
 *                     packet.protocol.data(packet.payload, clazz) per packet, as its README shows.
 *
 * Run: npx tsx bench/decode.ts [targetMB=50] [rounds=3]   (see bench/README.md)
 */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { MavLinkPacketSplitter, MavLinkPacketParser, minimal, standard, common, ardupilotmega } from 'node-mavlink';
import type { MavLinkPacket, MavLinkPacketRegistry } from 'node-mavlink';
import { FrameParser } from '../mavlink/codec/frame.js';
import { decodePayload, REGISTRY } from '../mavlink/codec/messages.js';
import { crc16, crc16Byte } from '../mavlink/codec/crc.js';

const targetMB = Number(process.argv[2] ?? 50);
const rounds = Number(process.argv[3] ?? 3);
const CHUNK = 64 * 1024;

function tlogFrames(tlog: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  let o = 0;
  let size = 0;
  while (o < tlog.length) {
    const len = tlog[o + 9]!;
    const total = 10 + len + 2 + (tlog[o + 10]! & 1 ? 13 : 0);
    parts.push(tlog.subarray(o + 8, o + 8 + total));
    size += total;
    o += 8 + total;
  }
  const out = new Uint8Array(size);
  let p = 0;
  for (const f of parts) {
    out.set(f, p);
    p += f.length;
  }
  return out;
}

const tlog = new Uint8Array(readFileSync(fileURLToPath(new URL('../tests/fixtures/copter-mission-flight.tlog', import.meta.url))));
const once = tlogFrames(tlog);
const reps = Math.max(1, Math.round((targetMB * 1e6) / once.length));
const stream = new Uint8Array(once.length * reps);
for (let r = 0; r < reps; r++) stream.set(once, r * once.length);
const chunks: Uint8Array[] = [];
for (let o = 0; o < stream.length; o += CHUNK) chunks.push(stream.subarray(o, Math.min(stream.length, o + CHUNK)));
const bufChunks = chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength));
const MB = stream.length / 1e6;

// CRC_EXTRA table for the floor loop: -1 = unknown id.
const EXTRA = new Int16Array(1 << 16).fill(-1);
for (const [id, cls] of REGISTRY) if (id < EXTRA.length) EXTRA[id] = cls.MAGIC_NUMBER;

/** (a) The floor: the least work that still finds and checks every frame. Contiguous buffer, no chunking. */
function floor(d: Uint8Array): number {
  let frames = 0;
  let i = 0;
  const n = d.length;
  while (i + 12 <= n) {
    if (d[i] !== 0xfd) {
      i++;
      continue;
    }
    const len = d[i + 1]!;
    const total = 12 + len + (d[i + 2]! & 1 ? 13 : 0);
    if (i + total > n) break;
    const msgid = d[i + 7]! | (d[i + 8]! << 8) | (d[i + 9]! << 16);
    const extra = msgid < EXTRA.length ? EXTRA[msgid]! : -1;
    const crcAt = i + 10 + len;
    if (extra >= 0 && crc16Byte(extra, crc16(d, i + 1, crcAt)) === (d[crcAt]! | (d[crcAt + 1]! << 8))) {
      frames++;
      i += total;
    } else i++;
  }
  return frames;
}

/** (b) Ours: the path MavConnection uses. */
function ours(): number {
  const p = new FrameParser();
  const out: import('../mavlink/codec/frame.js').MavFrame[] = [];
  let frames = 0;
  let sink = 0;
  for (const c of chunks) {
    out.length = 0;
    p.push(c, out);
    for (const f of out) {
      const m = decodePayload(f.msgid, f.payload);
      if (m) sink++;
      frames++;
    }
  }
  if (sink !== frames) throw new Error(`ours: ${frames - sink} frames did not decode`);
  return frames;
}

// Its README lists minimal + common + ardupilotmega; standard is added because in these mappings it holds
// GLOBAL_POSITION_INT and AUTOPILOT_VERSION (without it ~3% of the frames would not be decoded at all).
const NM_REGISTRY: MavLinkPacketRegistry = { ...minimal.REGISTRY, ...standard.REGISTRY, ...common.REGISTRY, ...ardupilotmega.REGISTRY };

/** (c) node-mavlink's stream path, as its README wires it. */
function nodeMavlink(): Promise<number> {
  return new Promise((resolve, reject) => {
    let frames = 0;
    let decoded = 0;
    const reader = Readable.from(bufChunks, { objectMode: false })
      .pipe(new MavLinkPacketSplitter())
      .pipe(new MavLinkPacketParser());
    reader.on('data', (packet: MavLinkPacket) => {
      frames++;
      const clazz = NM_REGISTRY[packet.header.msgid];
      if (clazz) {
        packet.protocol.data(packet.payload, clazz);
        decoded++;
      }
    });
    reader.on('end', () => (decoded === frames ? resolve(frames) : reject(new Error(`node-mavlink: ${frames - decoded} frames without a class`))));
    reader.on('error', reject);
  });
}

interface Result {
  name: string;
  ms: number;
  frames: number;
}

async function time(name: string, fn: () => number | Promise<number>): Promise<Result> {
  const t0 = process.hrtime.bigint();
  const frames = await fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { name, ms, frames };
}

function fmt(r: Result): string {
  const mbs = MB / (r.ms / 1000);
  const fps = r.frames / (r.ms / 1000);
  return `${r.name.padEnd(14)} ${r.ms.toFixed(0).padStart(7)} ms  ${mbs.toFixed(1).padStart(8)} MB/s  ${(fps / 1e6).toFixed(3).padStart(7)} M frames/s  (${r.frames} frames)`;
}

console.log(`stream: ${MB.toFixed(1)} MB = ${reps} × ${once.length} bytes of real frames, ${chunks.length} chunks of ${CHUNK} bytes`);
console.log(`node ${process.version}; best of ${rounds} rounds each (warm-up round first)\n`);

const best = new Map<string, Result>();
const runs: [string, () => number | Promise<number>][] = [
  ['(a) floor', () => floor(stream)],
  ['(b) ours', ours],
  ['(c) node-mavlink', nodeMavlink],
];
for (const [name, fn] of runs) await time(name, fn); // warm-up (JIT, compiled readers)
for (let r = 0; r < rounds; r++) {
  for (const [name, fn] of runs) {
    const res = await time(name, fn);
    const b = best.get(name);
    if (!b || res.ms < b.ms) best.set(name, res);
  }
}
const a = best.get('(a) floor')!;
const b = best.get('(b) ours')!;
const c = best.get('(c) node-mavlink')!;
for (const r of [a, b, c]) console.log(fmt(r));
if (a.frames !== b.frames || b.frames !== c.frames) console.log(`\nWARNING: frame counts differ: ${a.frames} / ${b.frames} / ${c.frames}`);
console.log(`\nours / node-mavlink: ${(c.ms / b.ms).toFixed(1)}× the throughput   (aim: ≥ 10×)`);
console.log(`ours / floor:        ${(a.ms / b.ms).toFixed(2)}× (1.00 = as fast as the bare header+CRC walk)`);
