/**
 * The centre link under load: N stations × M simulated drones through one real Mosquitto on this machine,
 * measured twice in the same run:
 *
 *   (a) floor — each station a bare mqtt.js client publishing the same fleet and event payloads (same bytes,
 *       same rates, same QoS) straight to the broker; the centre a bare client that only notes arrival times.
 *   (b) ours  — each station a CentreLink (fleet snapshot from its host, events through the on-disk outbox with
 *       seq, status/last will, subscribed to its requests); the centre a Centre (schema checks, seq dedup,
 *       per-station state).
 *
 * Figures: drone-to-centre latency as the age of a drone's newest position when it reaches the centre (the
 * drones move 10 times a second; a snapshot carries the newest move; moves between snapshots never travel),
 * event latency (an event happens → the centre holds
 * it), messages and bytes per second at the broker's out side, CPU seconds of this process (stations + centre)
 * and of mosquitto. Printed as ratios ours / floor.
 *
 *   npx tsx bench/centre.ts [stations=20] [drones=10] [seconds=20] [fleetHz=1]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { SystemClock } from '../common/clock.js';
import { Centre } from '../station/centre/centre.js';
import { CentreLink } from '../station/centre/link.js';
import type { FleetRow } from '../station/centre/schema.js';
import { FakeHost } from '../station/centre/testkit/fake-host.js';
import { startMosquitto, type Broker } from '../station/centre/testkit/mosquitto.js';
import { outTopic } from '../station/centre/topics.js';

const [N, M, SECONDS, HZ] = [Number(process.argv[2] ?? 20), Number(process.argv[3] ?? 10), Number(process.argv[4] ?? 20), Number(process.argv[5] ?? 1)];
const EVENT_EVERY_MS = 5000; // each drone: one event every 5 s
const DRONE_HZ = 10; // each simulated drone moves 10 times a second
const clock = new SystemClock();

interface Run { latMs: number[]; evLatMs: number[]; msgs: number; bytes: number; cpuS: number; brokerCpuS: number; seconds: number }

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};

function brokerCpuS(b: Broker): number {
  const pid = b.pid();
  if (!pid) return NaN;
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, clock ticks (100 Hz on Linux)
}

/** The simulated drones: position moves; `stamp` encodes a move counter in the latitude's 7th decimal. */
class Drones {
  readonly moves = new Map<string, number[]>(); // drone → time of move k
  readonly rows: FleetRow[][] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  constructor() {
    for (let s = 0; s < N; s++) {
      const rows: FleetRow[] = [];
      for (let d = 0; d < M; d++) {
        const id = `S${s}-D${d}`;
        this.moves.set(id, []);
        rows.push([id, 24.5, 118 + 0.01 * s + 0.001 * d, 60, 90, 'AUTO', 80, `P${d}`, 'up']);
      }
      this.rows.push(rows);
    }
  }
  start(): void {
    this.timer = setInterval(() => {
      const now = performance.now();
      for (const rows of this.rows) for (const r of rows) {
        const t = this.moves.get(r[0])!;
        t.push(now);
        r[1] = Math.round((24.5 + t.length * 1e-7) * 1e7) / 1e7;
      }
    }, 1000 / DRONE_HZ);
  }
  stop(): void {
    clearInterval(this.timer);
  }
  /** The centre holds `lat` for `drone` at `now`: latency since that move (once per move seen first). */
  private readonly seen = new Map<string, number>();
  observe(drone: string, lat: number | null, now: number, out: number[]): void {
    if (lat === null) return;
    const k = Math.round((lat - 24.5) * 1e7);
    if (k <= (this.seen.get(drone) ?? 0)) return;
    this.seen.set(drone, k);
    const t = this.moves.get(drone)?.[k - 1];
    if (t !== undefined) out.push(now - t);
  }
}

async function waitFor(cond: () => boolean, maxMs: number): Promise<void> {
  for (const t0 = performance.now(); !cond() && performance.now() - t0 < maxMs; ) await new Promise((r) => setTimeout(r, 50));
}

async function run(kind: 'floor' | 'ours', broker: Broker): Promise<Run> {
  const drones = new Drones();
  const r: Run = { latMs: [], evLatMs: [], msgs: 0, bytes: 0, cpuS: 0, brokerCpuS: 0, seconds: SECONDS };
  const evSent = new Map<string, number>();
  const dirs: string[] = [];
  const closers: (() => Promise<unknown>)[] = [];
  // The centre side.
  let centreReady: () => boolean;
  if (kind === 'floor') {
    const c = mqtt.connect(broker.url, { protocolVersion: 5, username: 'centre', password: broker.password('centre'), clientId: 'bench-floor-centre', clean: true });
    c.on('connect', () => void c.subscribe('kongxun/v1/s/+/out/#', { qos: 1 }));
    c.on('message', (topic, payload) => {
      const now = performance.now();
      r.msgs++;
      r.bytes += payload.length + topic.length;
      if (topic.endsWith('/fleet')) {
        // The floor does the least a receiver must: parse, to learn which drone is where.
        const m = JSON.parse(payload.toString()) as { drones: FleetRow[] };
        for (const row of m.drones) drones.observe(row[0], row[1], now, r.latMs);
      } else if (topic.endsWith('/event')) {
        const t = evSent.get((JSON.parse(payload.toString()) as { text: string }).text);
        if (t !== undefined) r.evLatMs.push(now - t);
      }
    });
    centreReady = () => c.connected;
    closers.push(() => c.endAsync(true));
  } else {
    const c = Centre.start({ clock, url: broker.url, id: 'centre', username: 'centre', password: broker.password('centre') });
    if (!c.ok) throw new Error(c.reason);
    const centre = c.value;
    // Count what the centre's client receives, and look at its state as each message lands.
    const client = (centre as unknown as { client: MqttClient }).client;
    client.prependListener('message', (topic: string, payload: Buffer) => {
      r.msgs++;
      r.bytes += payload.length + topic.length;
    });
    client.on('message', (topic: string) => {
      const now = performance.now();
      const station = topic.split('/')[3]!;
      const s = centre.station(station);
      if (!s) return;
      if (topic.endsWith('/fleet')) for (const row of s.fleet) drones.observe(row[0], row[1], now, r.latMs);
      else if (topic.endsWith('/event')) {
        const t = evSent.get(s.events.at(-1)?.text ?? '');
        if (t !== undefined) r.evLatMs.push(now - t);
      }
    });
    centreReady = () => centre.connected;
    closers.push(() => centre.close());
  }
  await waitFor(centreReady, 10_000);
  // The stations.
  const emitters: ((text: string) => void)[] = [];
  const ready: (() => boolean)[] = [];
  for (let s = 0; s < N; s++) {
    const id = `st${s}`;
    if (kind === 'floor') {
      const c = mqtt.connect(broker.url, { protocolVersion: 5, username: id, password: broker.password(id), clientId: `bench-floor-${id}`, clean: true });
      let seq = 0;
      const t = setInterval(() => c.connected && c.publish(outTopic(id, 'fleet'), JSON.stringify({ v: 1, atMs: Math.round(clock.now()), drones: drones.rows[s] }), { qos: 0 }), 1000 / HZ);
      emitters.push((text) => c.publish(outTopic(id, 'event'), JSON.stringify({ v: 1, atMs: Math.round(clock.now()), seq: ++seq, kind: 'state', text, sortie: 'P1', drone: `S${s}-D0` }), { qos: 1 }));
      ready.push(() => c.connected);
      closers.push(async () => (clearInterval(t), c.endAsync(true)));
    } else {
      const host = new FakeHost();
      host.fleetRows = drones.rows[s]!;
      const dir = mkdtempSync(join(tmpdir(), 'kongxun-bench-centre-'));
      dirs.push(dir);
      const l = CentreLink.start({ clock, url: broker.url, station: id, username: id, password: broker.password(id), dir, host, fleetHz: HZ });
      if (!l.ok) throw new Error(l.reason);
      // The link drains its host on its own tick: an event waits for it, as the patrol store's events do.
      emitters.push((text) => host.events.push({ atMs: clock.now(), kind: 'state', text, sortie: 'P1', drone: `S${s}-D0` }));
      ready.push(() => l.value.connected);
      closers.push(() => l.value.close());
    }
  }
  await waitFor(() => ready.every((f) => f()), 20_000);
  await new Promise((res) => setTimeout(res, 1000));
  // Measure.
  drones.start();
  let n = 0;
  const evTimer = setInterval(() => {
    for (let s = 0; s < N; s++) {
      const text = `ev${++n}`;
      evSent.set(text, performance.now());
      emitters[s]!(text);
    }
  }, EVENT_EVERY_MS / M);
  Object.assign(r, { msgs: 0, bytes: 0 });
  r.latMs.length = 0;
  const cpu0 = process.cpuUsage();
  const b0 = brokerCpuS(broker);
  await new Promise((res) => setTimeout(res, SECONDS * 1000));
  const cpu = process.cpuUsage(cpu0);
  r.cpuS = (cpu.user + cpu.system) / 1e6;
  r.brokerCpuS = brokerCpuS(broker) - b0;
  const counted = { msgs: r.msgs, bytes: r.bytes };
  clearInterval(evTimer);
  drones.stop();
  for (const c of closers.reverse()) await c();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  return { ...r, ...counted };
}

async function main(): Promise<void> {
  const users = ['centre', ...Array.from({ length: N }, (_, i) => `st${i}`)];
  const broker = await startMosquitto({ users });
  try {
    console.log(`centre bench: ${N} stations × ${M} drones, fleet ${HZ} Hz, one event per drone per ${EVENT_EVERY_MS / 1000} s, ${SECONDS} s per run, mosquitto ${broker.url}`);
    const floor = await run('floor', broker);
    const ours = await run('ours', broker);
    const row = (name: string, f: (r: Run) => number, unit: string, digits = 1) => {
      const a = f(floor);
      const b = f(ours);
      const ratio = a > 0 ? `${(b / a).toFixed(2)}×` : '—';
      console.log(`${name.padEnd(38)} ${a.toFixed(digits).padStart(10)} ${b.toFixed(digits).padStart(10)} ${unit.padEnd(6)} ${ratio.padStart(8)}`);
    };
    console.log(`${''.padEnd(38)} ${'(a) floor'.padStart(10)} ${'(b) ours'.padStart(10)} ${''.padEnd(6)} ${'b/a'.padStart(8)}`);
    row('position age at the centre, median', (r) => pct(r.latMs, 0.5), 'ms');
    row('position age at the centre, p95', (r) => pct(r.latMs, 0.95), 'ms');
    row('event → centre latency, median', (r) => pct(r.evLatMs, 0.5), 'ms');
    row('event → centre latency, p95', (r) => pct(r.evLatMs, 0.95), 'ms');
    row('messages / s at the centre', (r) => r.msgs / r.seconds, 'msg/s');
    row('bytes / s at the centre', (r) => r.bytes / r.seconds, 'B/s', 0);
    row('CPU, stations + centre process', (r) => (100 * r.cpuS) / r.seconds, '% core');
    row('CPU, mosquitto', (r) => (100 * r.brokerCpuS) / r.seconds, '% core');
    console.log(`samples: drone latency ${floor.latMs.length} / ${ours.latMs.length}, event latency ${floor.evLatMs.length} / ${ours.evLatMs.length}`);
  } finally {
    await broker.close();
  }
}

void main().then(() => process.exit(0), (e: unknown) => {
  console.error(e);
  process.exit(1);
});
