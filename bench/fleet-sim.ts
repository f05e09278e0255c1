/**
 * The drone side of bench/fleet.ts, run as a child process (so that the station's CPU is measured alone):
 * a SimFleet of N drones serving tcpin://127.0.0.1:(basePort + 10·i), on the system clock.
 *
 * Each drone's link is set at start to the rates the station will ask for (the same SET_MESSAGE_INTERVAL the
 * station sends, applied directly), so the byte stream is the same whoever connects: the baselines (raw
 * reader, parser only) read exactly what the station reads. The station's own requests later set the same
 * intervals again (no change).
 *
 * IPC, child → parent: { type: 'ready', bootAtMs: {sysid: epoch ms}, pid } | { type: 'error', reason }
 *                      | { type: 'usage', id, cpu: {user, system} µs, framesOut, wallMs }
 * parent → child:      { type: 'usage', id } | { type: 'stop' }
 *
 * bootAtMs is the wall-clock epoch (Date.now()) of each drone's power-on: the drones stamp telemetry with
 * time_boot_ms = Date.now() − bootAtMs, so the parent recovers the send time of every GLOBAL_POSITION_INT
 * and ATTITUDE as bootAtMs + time_boot_ms (same machine, same clock).
 */
import { SimFleet } from '../sitl/fleet.js';
import { STREAM_MESSAGE_IDS } from '../station/vehicle/streams.js';

export interface SimConfig {
  drones: number;
  basePort: number;
  /** Stream rates by message name (as the station's streamRatesHz, merged over its defaults). */
  ratesHz: Record<string, number>;
  warmupMs: number;
}

export type ToChild = { type: 'usage'; id: number } | { type: 'stop' };
export type FromChild =
  | { type: 'ready'; bootAtMs: Record<number, number>; pid: number }
  | { type: 'error'; reason: string }
  | { type: 'usage'; id: number; cpu: NodeJS.CpuUsage; framesOut: number; wallMs: number };

function send(m: FromChild): void {
  process.send?.(m);
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as SimConfig;
  const created = SimFleet.create({
    drones: cfg.drones,
    basePort: cfg.basePort,
    tcp: true,
    sysids: Array.from({ length: cfg.drones }, (_, i) => 1 + i),
    home: { lat: 31.2304, lon: 121.4737, altAmslM: 10 },
    warmupMs: cfg.warmupMs,
  });
  if (!created.ok) {
    send({ type: 'error', reason: created.reason });
    process.exit(1);
  }
  const fleet = created.value;
  const started = await fleet.start();
  if (!started.ok) {
    send({ type: 'error', reason: `${started.reason} (ports ${cfg.basePort}..${cfg.basePort + 10 * (cfg.drones - 1)} must be free; try --base-port)` });
    await fleet.stop();
    process.exit(1);
  }
  const bootAtMs: Record<number, number> = {};
  for (const m of fleet.members) {
    bootAtMs[m.sysid] = m.drone.health.bootAtMs;
    for (const link of m.drone.links) {
      for (const [name, hz] of Object.entries(cfg.ratesHz)) {
        const id = STREAM_MESSAGE_IDS[name];
        if (id !== undefined) link.setMessageInterval(id, hz > 0 ? Math.round(1e6 / hz) : -1);
      }
    }
  }
  const framesOut = (): number => fleet.members.reduce((a, m) => a + m.connections.reduce((b, c) => b + c.stats.framesOut, 0), 0);
  process.on('message', (msg: ToChild) => {
    if (msg.type === 'usage') send({ type: 'usage', id: msg.id, cpu: process.cpuUsage(), framesOut: framesOut(), wallMs: performance.now() });
    else if (msg.type === 'stop') {
      void fleet.stop().then(() => process.exit(0));
    }
  });
  // The parent going away (Ctrl-C, crash) must not leave 50 listening ports behind.
  process.on('disconnect', () => {
    void fleet.stop().then(() => process.exit(0));
  });
  send({ type: 'ready', bootAtMs, pid: process.pid });
}

void main();
