/**
 * Fleet-scale benchmark: N simulated drones (a child process, bench/fleet-sim.ts) stream at full rates over
 * TCP on 127.0.0.1 into one station (createStation, recording tlogs) in this process. Over a steady-state
 * window it measures this process's CPU (process.cpuUsage), messages/s, event-loop delay, telemetry delay
 * (drone send → station has reduced the frame) and memory growth, against two baselines read from the same
 * sockets in the same run:
 *
 *   (a) raw read:    N plain net sockets that only count the bytes (the I/O floor);
 *   (b) parse only:  the same sockets through FrameParser.push + decodePayload (our codec, nothing else);
 *   (c) station:     createStation with N tcpout URLs: links, vehicle registry and reducer, tlog recorder,
 *                    GCS heartbeat, stream requests, TIMESYNC.
 *
 * Two rate sets: "default" (the station's DEFAULT_STREAM_RATES_HZ: 10 Hz position and attitude, …) and
 * "stress" (every stream at --stress-hz, default 20 Hz, asked by the station through streamRatesHz).
 *
 * Run: npx tsx bench/fleet.ts [--drones 50] [--seconds 20] [--base-port 28000] [--only default|stress]
 *                             [--stress-hz 20] [--settle 3] [--profile DIR] [--keep] [--time-writes] [--no-record]
 * (see bench/README.md, section "fleet.ts").
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs, { mkdtempSync, rmSync, statSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance, PerformanceObserver, type IntervalHistogram } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { common, standard } from 'mavlink-mappings';
import { SystemClock } from '../common/clock.js';
import { FrameParser, type MavFrame } from '../mavlink/codec/frame.js';
import { decodePayload } from '../mavlink/codec/messages.js';
import { createStation, type Station } from '../station/compose.js';
import { DEFAULT_STREAM_RATES_HZ, STREAM_MESSAGE_IDS } from '../station/vehicle/streams.js';
import type { FromChild, SimConfig, ToChild } from './fleet-sim.js';
import { WindowProfiler } from './fleet-profile.js';

// ---------------------------------------------------------------- arguments

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
}
const DRONES = Number(arg('drones', '50'));
const SECONDS = Number(arg('seconds', '20'));
const BASE_PORT = Number(arg('base-port', '28000'));
const ONLY = arg('only', '');
const STRESS_HZ = Number(arg('stress-hz', '20'));
const SETTLE_S = Number(arg('settle', '3'));
const PROFILE_DIR = arg('profile', '');
const KEEP = process.argv.includes('--keep');
const TIME_WRITES = process.argv.includes('--time-writes');
/** Diagnostic: the station without its recorder (the real load records; this shows what recording costs). */
const NO_RECORD = process.argv.includes('--no-record');
const ELD_RESOLUTION_MS = 10;

const MSG_ATTITUDE = 30;
const MSG_GLOBAL_POSITION_INT = 33;

// ---------------------------------------------------------------- small helpers

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitUntil(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[i]!;
}

/** A growable list of numbers (delay samples). */
class Samples {
  private a = new Float64Array(1 << 16);
  n = 0;
  push(x: number): void {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = x;
  }
  clear(): void {
    this.n = 0;
  }
  sorted(): Float64Array {
    return this.a.slice(0, this.n).sort();
  }
}

/**
 * --time-writes: time every fs.writeSync (the recorder's flush is synchronous) and group the calls made in one
 * turn of the event loop into bursts, to see how long a flush of all tlogs holds the loop.
 */
const writeBursts = new Samples();
let writeCalls = 0;
if (TIME_WRITES) {
  const orig = fs.writeSync;
  let burst = -1;
  fs.writeSync = function (this: unknown, ...a: unknown[]): number {
    const t = performance.now();
    const n = (orig as (...x: unknown[]) => number).apply(this, a);
    const d = performance.now() - t;
    if (collecting) {
      writeCalls++;
      if (burst < 0) {
        burst = 0;
        setImmediate(() => {
          writeBursts.push(burst);
          burst = -1;
        });
      }
      burst += d;
    }
    return n;
  } as typeof fs.writeSync;
  syncBuiltinESMExports(); // the recorder's `import { writeSync } from 'node:fs'` sees the wrapper
}

// ---------------------------------------------------------------- the simulator child

class SimChild {
  private readonly waiting = new Map<number, (m: Extract<FromChild, { type: 'usage' }>) => void>();
  private nextId = 1;
  bootAtMs: Record<number, number> = {};

  private constructor(private readonly child: ChildProcess) {}

  static async start(cfg: SimConfig): Promise<SimChild> {
    const file = fileURLToPath(new URL('./fleet-sim.ts', import.meta.url));
    const child = fork(file, [JSON.stringify(cfg)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const sim = new SimChild(child);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('the simulator child did not start within 60 s')), 60_000);
      child.on('message', (m: FromChild) => {
        if (m.type === 'ready') {
          clearTimeout(t);
          sim.bootAtMs = m.bootAtMs;
          resolve();
        } else if (m.type === 'error') {
          clearTimeout(t);
          reject(new Error(`simulator: ${m.reason}`));
        } else if (m.type === 'usage') {
          sim.waiting.get(m.id)?.(m);
          sim.waiting.delete(m.id);
        }
      });
      child.on('exit', (code) => {
        clearTimeout(t);
        reject(new Error(`the simulator child exited (${code})`));
      });
    });
    return sim;
  }

  usage(): Promise<Extract<FromChild, { type: 'usage' }>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.child.send({ type: 'usage', id } satisfies ToChild);
    });
  }

  async stop(): Promise<void> {
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.send({ type: 'stop' } satisfies ToChild);
    await Promise.race([gone, sleep(10_000)]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

// ---------------------------------------------------------------- measurement windows

interface Counters {
  bytes: number;
  frames: number;
}

interface Window {
  phase: string;
  wallS: number;
  cpuS: number;
  bytes: number;
  /** Frames counted (or, for the raw reader, estimated from bytes). */
  frames: number;
  framesEstimated: boolean;
  eldP50Ms: number;
  eldP99Ms: number;
  eldMaxMs: number;
  rssDeltaMb: number;
  heapDeltaMb: number;
  rssEndMb: number;
  childCpuS: number;
  childFramesOut: number;
  delay?: { n: number; mean: number; p50: number; p95: number; p99: number; max: number };
  /** Station only: from the drone's send to the frame's arrival in MavConnection (its atMs stamp). */
  arrival?: { p50: number; p95: number };
  lost?: number;
  tlogBytes?: number;
  gc?: { n: number; msPerS: number; p99: number; max: number; kinds: string };
  heapEndMb: number;
  /** --time-writes: fs.writeSync time, grouped per event-loop turn (bursts). */
  writes?: { calls: number; bursts: number; msPerS: number; p50: number; p99: number; max: number };
  profile?: string[];
}

const eld: IntervalHistogram = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
eld.enable();
const delays = new Samples();
const arrivals = new Samples();
let collecting = false;

const gc = (globalThis as { gc?: () => void }).gc;

/** GC pauses in the window (perf_hooks 'gc' entries): the main-thread pauses that hold the event loop. */
const gcPauses = new Samples();
const GC_KINDS: Record<number, string> = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };
let gcByKind = new Map<string, { n: number; ms: number; max: number }>();
new PerformanceObserver((list) => {
  if (!collecting) return;
  for (const e of list.getEntries()) {
    gcPauses.push(e.duration);
    const kind = GC_KINDS[(e as { detail?: { kind?: number } }).detail?.kind ?? 0] ?? 'other';
    const k = gcByKind.get(kind) ?? { n: 0, ms: 0, max: 0 };
    gcByKind.set(kind, { n: k.n + 1, ms: k.ms + e.duration, max: Math.max(k.max, e.duration) });
  }
}).observe({ entryTypes: ['gc'] });

async function measure(
  phase: string,
  sim: SimChild,
  counters: () => Counters,
  extra: { profileLabel?: string; seconds?: number } = {},
): Promise<Window> {
  gc?.();
  const prof = extra.profileLabel && PROFILE_DIR ? new WindowProfiler() : undefined;
  await prof?.start();
  const c0 = counters();
  const ch0 = await sim.usage();
  const mem0 = process.memoryUsage();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  eld.reset();
  delays.clear();
  arrivals.clear();
  writeBursts.clear();
  gcPauses.clear();
  gcByKind = new Map();
  writeCalls = 0;
  collecting = true;
  await sleep((extra.seconds ?? SECONDS) * 1000);
  collecting = false;
  const cpu = process.cpuUsage(cpu0);
  const t1 = performance.now();
  await sleep(0); // let the gc observer deliver the window's last entries
  gc?.();
  const mem1 = process.memoryUsage();
  const ch1 = await sim.usage();
  const c1 = counters();
  const profile = prof ? await prof.stop(PROFILE_DIR, extra.profileLabel!) : undefined;
  const ms = (ns: number): number => Math.max(0, ns / 1e6 - ELD_RESOLUTION_MS);
  const w: Window = {
    phase,
    wallS: (t1 - t0) / 1000,
    cpuS: (cpu.user + cpu.system) / 1e6,
    bytes: c1.bytes - c0.bytes,
    frames: c1.frames - c0.frames,
    framesEstimated: false,
    eldP50Ms: ms(eld.percentile(50)),
    eldP99Ms: ms(eld.percentile(99)),
    eldMaxMs: ms(eld.max),
    rssDeltaMb: (mem1.rss - mem0.rss) / 2 ** 20,
    heapDeltaMb: (mem1.heapUsed - mem0.heapUsed) / 2 ** 20,
    rssEndMb: mem1.rss / 2 ** 20,
    heapEndMb: mem1.heapUsed / 2 ** 20,
    childCpuS: (ch1.cpu.user + ch1.cpu.system - ch0.cpu.user - ch0.cpu.system) / 1e6,
    childFramesOut: ch1.framesOut - ch0.framesOut,
    ...(profile ? { profile } : {}),
  };
  if (delays.n > 0) {
    const s = delays.sorted();
    w.delay = { n: s.length, mean: s.reduce((a, x) => a + x, 0) / s.length, p50: quantile(s, 0.5), p95: quantile(s, 0.95), p99: quantile(s, 0.99), max: s[s.length - 1]! };
  }
  if (arrivals.n > 0) {
    const s = arrivals.sorted();
    w.arrival = { p50: quantile(s, 0.5), p95: quantile(s, 0.95) };
  }
  if (gcPauses.n > 0) {
    const s = gcPauses.sorted();
    const kinds = [...gcByKind].map(([k, v]) => `${k} ${v.n}×/${f1(v.ms)} ms/max ${f1(v.max)}`).join(', ');
    w.gc = { n: s.length, msPerS: s.reduce((a, x) => a + x, 0) / w.wallS, p99: quantile(s, 0.99), max: s[s.length - 1]!, kinds };
  }
  if (writeBursts.n > 0) {
    const s = writeBursts.sorted();
    const sum = s.reduce((a, x) => a + x, 0);
    w.writes = { calls: writeCalls, bursts: s.length, msPerS: sum / w.wallS, p50: quantile(s, 0.5), p99: quantile(s, 0.99), max: s[s.length - 1]! };
  }
  return w;
}

/** Send time of a GLOBAL_POSITION_INT or ATTITUDE: the drone's boot epoch + time_boot_ms. */
function sentAtMs(bootAtMs: Record<number, number>, sysid: number, msgid: number, message: unknown): number | undefined {
  if (msgid !== MSG_GLOBAL_POSITION_INT && msgid !== MSG_ATTITUDE) return undefined;
  const boot = bootAtMs[sysid];
  if (boot === undefined) return undefined;
  if (message instanceof standard.GlobalPositionInt || message instanceof common.Attitude) return boot + message.timeBootMs;
  return undefined;
}

// ---------------------------------------------------------------- baselines: plain sockets

async function connectAll(ports: number[]): Promise<net.Socket[]> {
  return Promise.all(
    ports.map(
      (port) =>
        new Promise<net.Socket>((resolve, reject) => {
          const s = net.createConnection({ host: '127.0.0.1', port, noDelay: true }, () => resolve(s));
          s.once('error', reject);
        }),
    ),
  );
}

async function baselines(sim: SimChild, ports: number[]): Promise<[Window, Window]> {
  const sockets = await connectAll(ports);
  // (a) raw read: count bytes, nothing else.
  let rawBytes = 0;
  const countOnly = (chunk: Buffer): void => {
    rawBytes += chunk.length;
  };
  for (const s of sockets) s.on('data', countOnly);
  await sleep(SETTLE_S * 1000);
  const raw = await measure('(a) raw read', sim, () => ({ bytes: rawBytes, frames: 0 }));

  // (b) parse only: FrameParser + decodePayload per socket, as MavConnection does (plus the delay probe).
  for (const s of sockets) s.removeListener('data', countOnly);
  let pBytes = 0;
  let pFrames = 0;
  const boot = sim.bootAtMs;
  for (const s of sockets) {
    const parser = new FrameParser();
    s.on('data', (chunk: Buffer) => {
      pBytes += chunk.length;
      const frames: MavFrame[] = [];
      parser.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength), frames);
      for (const f of frames) {
        pFrames++;
        const m = f.known ? decodePayload(f.msgid, f.payload) : undefined;
        if (collecting) {
          const sent = sentAtMs(boot, f.sysid, f.msgid, m);
          if (sent !== undefined) delays.push(Date.now() - sent);
        }
      }
    });
  }
  await sleep(SETTLE_S * 1000);
  const parse = await measure('(b) parse only', sim, () => ({ bytes: pBytes, frames: pFrames }));
  await Promise.all(sockets.map((s) => new Promise<void>((r) => (s.destroyed ? r() : (s.once('close', () => r()), s.destroy())))));

  // The raw reader counts no frames: estimate them from the frame size the parser saw on the same streams.
  raw.frames = parse.bytes > 0 ? Math.round((raw.bytes * parse.frames) / parse.bytes) : 0;
  raw.framesEstimated = true;
  return [raw, parse];
}

// ---------------------------------------------------------------- the station

async function stationRun(sim: SimChild, ports: number[], ratesHz: Record<string, number> | undefined, label: string): Promise<Window> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kongxun-fleet-bench-'));
  const made = await createStation({
    clock: new SystemClock(),
    dataDir,
    connections: ports.map((p) => `tcpout://127.0.0.1:${p}`),
    ...(NO_RECORD ? { record: false } : {}),
    ...(ratesHz ? { registry: { streamRatesHz: ratesHz } } : {}),
  });
  if (!made.ok) throw new Error(`createStation: ${made.reason}`);
  const station: Station = made.value;
  const requested = new Set<number>();
  station.on('streams-requested', (e) => requested.add(e.sysid));
  const boot = sim.bootAtMs;
  // Listeners run in the order they were added: the recorder's and the registry's first, so this one sees
  // each frame after the station has recorded and reduced it.
  for (const c of station.connections()) {
    c.onMessage((r) => {
      if (!collecting) return;
      const sent = sentAtMs(boot, r.frame.sysid, r.frame.msgid, r.message);
      if (sent === undefined) return;
      delays.push(Date.now() - sent);
      arrivals.push(r.atMs - sent);
    });
  }
  try {
    await waitUntil(() => requested.size === ports.length, 120_000, `all ${ports.length} vehicles to have their streams requested`);
    await sleep(SETTLE_S * 1000);
    const totals = (): Counters => {
      let bytes = 0;
      let frames = 0;
      for (const c of station.connections()) {
        const st = c.stats;
        bytes += st.parser.bytes;
        frames += st.framesIn;
      }
      return { bytes, frames };
    };
    const lost = (): number => station.snapshot().vehicles.reduce((a, v) => a + v.links.reduce((b, l) => b + l.lost, 0), 0);
    const lost0 = lost();
    const tlogBytes = (): number => station.tlogs().reduce((a, f) => a + statSync(f).size, 0);
    const tlog0 = tlogBytes();
    const w = await measure('(c) station', sim, totals, { profileLabel: `station-${label}` });
    w.lost = lost() - lost0;
    w.tlogBytes = tlogBytes() - tlog0;
    return w;
  } finally {
    await station.close();
    if (KEEP) console.log(`tlogs kept in ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- one rate set

interface RateSet {
  name: string;
  /** What the drones send (the station's defaults merged with its streamRatesHz). */
  ratesHz: Record<string, number>;
  /** What the station is given as streamRatesHz (undefined: its defaults). */
  stationRatesHz: Record<string, number> | undefined;
}

async function runRateSet(rs: RateSet): Promise<Window[]> {
  const ports = Array.from({ length: DRONES }, (_, i) => BASE_PORT + 10 * i);
  const sim = await SimChild.start({ drones: DRONES, basePort: BASE_PORT, ratesHz: rs.ratesHz, warmupMs: 2000 });
  try {
    await sleep(1000);
    // (0) idle: this process with nothing connected (the event-loop monitor, IPC): its housekeeping.
    const idle = await measure('(0) idle', sim, () => ({ bytes: 0, frames: 0 }), { seconds: Math.min(SECONDS, 10) });
    const [raw, parse] = await baselines(sim, ports);
    const station = await stationRun(sim, ports, rs.stationRatesHz, rs.name);
    return [idle, raw, parse, station];
  } finally {
    await sim.stop();
  }
}

// ---------------------------------------------------------------- output

const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '–');

function table(rs: RateSet, ws: Window[]): void {
  const [idle, raw, parse, st] = ws as [Window, Window, Window, Window];
  const msgsPerDroneS = st.frames / st.wallS / DRONES;
  console.log(`\n== ${rs.name}${NO_RECORD ? ' (station NOT recording: --no-record)' : ''}: ${DRONES} drones, ${Object.entries(rs.ratesHz).map(([k, v]) => `${k} ${v}`).join(', ')} Hz + HEARTBEAT 1 Hz`);
  console.log(`   ${f1(msgsPerDroneS)} msgs/s per drone; window ${SECONDS} s after ${SETTLE_S} s settling\n`);
  const head = ['phase', 'msgs/s', 'kB/s', 'CPU %core', 'µs/msg', 'CPU/drone %', 'ELD p50/p99 ms', 'delay p50/p95 ms', 'RSS Δ MB', 'heap Δ MB', 'sim CPU %'];
  const rows = ws.map((w) => [
    w.phase,
    `${(w.frames / w.wallS).toFixed(0)}${w.framesEstimated ? '*' : ''}`,
    (w.bytes / w.wallS / 1000).toFixed(0),
    f1((100 * w.cpuS) / w.wallS),
    f1((w.cpuS * 1e6) / Math.max(1, w.frames)),
    f2((100 * w.cpuS) / w.wallS / DRONES),
    `${f1(w.eldP50Ms)} / ${f1(w.eldP99Ms)}`,
    w.delay ? `${f1(w.delay.p50)} / ${f1(w.delay.p95)}` : '–',
    f1(w.rssDeltaMb),
    f1(w.heapDeltaMb),
    f1((100 * w.childCpuS) / w.wallS),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(head));
  for (const r of rows) console.log(line(r));
  console.log('   * estimated from bytes (frame size seen by the parser)');

  const perByte = (w: Window): number => w.cpuS / Math.max(1, w.bytes);
  // Net of idle: the process's housekeeping (idle CPU per second) taken out of each window.
  const idlePerS = idle.cpuS / idle.wallS;
  const netPerByte = (w: Window): number => Math.max(0, w.cpuS - idlePerS * w.wallS) / Math.max(1, w.bytes);
  console.log(`\n                               gross   net of idle (${f1(100 * idlePerS)} % core)   (CPU per byte received)`);
  console.log(`station CPU / raw-read CPU:    ${f1(perByte(st) / perByte(raw)).padStart(5)}×  ${f1(netPerByte(st) / netPerByte(raw)).padStart(5)}×`);
  console.log(`station CPU / parse-only CPU:  ${f1(perByte(st) / perByte(parse)).padStart(5)}×  ${f1(netPerByte(st) / netPerByte(parse)).padStart(5)}×`);
  console.log(`parse-only CPU / raw-read CPU: ${f1(perByte(parse) / perByte(raw)).padStart(5)}×  ${f1(netPerByte(parse) / netPerByte(raw)).padStart(5)}×`);
  console.log(`station CPU per drone:         ${f2((100 * st.cpuS) / st.wallS / DRONES)} % of one core   (${f1((st.cpuS * 1e6) / Math.max(1, st.frames))} µs/msg, ${f1((st.cpuS * 1e3 * 1000) / Math.max(1, st.frames))} ms per 1000 msgs)`);
  if (st.delay) {
    console.log(`telemetry delay (station):     mean ${f2(st.delay.mean)} ms, p50 ${f1(st.delay.p50)} ms, p95 ${f1(st.delay.p95)} ms, p99 ${f1(st.delay.p99)} ms, max ${f1(st.delay.max)} ms  (${st.delay.n} samples)`);
  }
  if (st.arrival) console.log(`  of which until the frame reached MavConnection: p50 ${f1(st.arrival.p50)} ms, p95 ${f1(st.arrival.p95)} ms`);
  if (parse.delay) console.log(`telemetry delay (parse only):  mean ${f2(parse.delay.mean)} ms, p50 ${f1(parse.delay.p50)} ms, p95 ${f1(parse.delay.p95)} ms`);
  const sent = st.childFramesOut;
  console.log(`frames sent by the sims / received by the station: ${sent} / ${st.frames}; sequence-gap loss in the window: ${st.lost ?? 0}`);
  if (st.tlogBytes !== undefined) console.log(`tlogs written in the window: ${f1(st.tlogBytes / st.wallS / 1000)} kB/s (flushed every second)`);
  for (const w of [parse, st]) {
    if (w.gc) console.log(`GC pauses, ${w.phase}: ${w.gc.n} (${f1(w.gc.n / w.wallS)}/s), ${f2(w.gc.msPerS)} ms/s, p99 ${f2(w.gc.p99)} ms, max ${f2(w.gc.max)} ms  [${w.gc.kinds}]`);
  }
  if (st.writes) {
    const x = st.writes;
    console.log(`fs.writeSync (--time-writes): ${x.calls} calls in ${x.bursts} bursts, ${f2(x.msPerS)} ms/s; a burst holds the loop p50 ${f2(x.p50)} ms, p99 ${f2(x.p99)} ms, max ${f2(x.max)} ms`);
  }
  console.log(`station RSS at the end: ${f1(st.rssEndMb)} MB, heap used ${f1(st.heapEndMb)} MB (Δ over the window ${f1(st.rssDeltaMb)} MB, heap Δ ${f1(st.heapDeltaMb)} MB${gc ? ', each after a gc' : ''})`);
  if (st.profile) console.log(`\nstation self time (top):\n  ${st.profile.join('\n  ')}`);
}

// ---------------------------------------------------------------- main

const all20 = Object.fromEntries(Object.keys(STREAM_MESSAGE_IDS).map((k) => [k, STRESS_HZ]));
const rateSets: RateSet[] = [
  { name: 'default', ratesHz: { ...DEFAULT_STREAM_RATES_HZ }, stationRatesHz: undefined },
  { name: 'stress', ratesHz: { ...DEFAULT_STREAM_RATES_HZ, ...all20 }, stationRatesHz: all20 },
].filter((r) => !ONLY || r.name === ONLY);

console.log(`fleet bench: node ${process.version}, ${DRONES} drones on tcp 127.0.0.1:${BASE_PORT}+10·i, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
for (const rs of rateSets) {
  const ws = await runRateSet(rs);
  table(rs, ws);
}
eld.disable();
process.exit(0);
