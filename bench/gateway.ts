/**
 * What the command gateway adds to a command: the same commands to the same simulated drone, in the same run,
 * sent directly (station/vehicle/commands.ts) and through the gateway (station/gateway/gateway.ts: the role check, the
 * flight check against the sample station's jurisdiction — a go-to's point against the boundary and both
 * no-fly zones — a request row in DATA/audit.sqlite before sending, the result row after). Interleaved
 * direct/gateway pairs, so both see the same machine load.
 *
 *   npx tsx bench/gateway.ts          # 400 pairs
 *   npx tsx bench/gateway.ts 1000
 *
 * The drone is the built-in simulator over an in-process link on the system clock (no radio latency): the
 * round trip is the station's and the simulator's own work, so the ratio is the gateway's share at its most
 * visible. Prints median and p95 of each, their ratio, and the added time per command.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SystemClock } from '../common/clock.js';
import { memoryPair } from '../mavlink/transport/memory.js';
import { SimFleet } from '../sitl/fleet.js';
import { createStation } from '../station/compose.js';
import { openGateway } from '../station/gateway/gateway.js';
import { runGatewayCommand } from '../station/gateway/run.js';
import type { GatewayCommand } from '../station/gateway/gateway.js';

const N = Number(process.argv[2] ?? 400);
const clock = new SystemClock();
const geo = JSON.parse(readFileSync('resources/samples/jinhai.geojson', 'utf8')) as unknown;
const dir = mkdtempSync(join(tmpdir(), 'kongxun-bench-gateway-'));

const fleet = SimFleet.create({ drones: 1, clock, tcp: false, home: { lat: 24.6, lon: 118.262, altAmslM: 10 }, warmupMs: 500 });
if (!fleet.ok) throw new Error(fleet.reason);
const [stationEnd, droneEnd] = memoryPair(clock, { names: ['sim', 'gcs'] });
const attached = await fleet.value.attach(0, droneEnd);
if (!attached.ok) throw new Error(attached.reason);
const st = await createStation({ clock, dataDir: dir, connections: [stationEnd], record: false });
if (!st.ok) throw new Error(st.reason);
const station = st.value;
const g = openGateway({ clock, dataDir: dir, geography: geo, droneName: () => 'JH-01' });
if (!g.ok) throw new Error(g.reason);
const gateway = g.value;

for (let i = 0; i < 200 && !station.vehicle(1)?.commands; i++) await new Promise((r) => setTimeout(r, 50));
const c = station.vehicle(1)!.commands;
for (let i = 0; i < 20; i++) {
  const m = await c.setMode('GUIDED');
  if (m.ok) break;
  await new Promise((r) => setTimeout(r, 500));
}

// A go-to alternating between two points inside the jurisdiction (the flight check's full path), and a speed change.
const cmds: GatewayCommand[] = [
  { command: 'goto', latDeg: 24.6, lonDeg: 118.262, altRelM: 40 },
  { command: 'speed', groundSpeedMps: 8 },
  { command: 'goto', latDeg: 24.602, lonDeg: 118.265, altRelM: 40 },
  { command: 'speed', groundSpeedMps: 6 },
];
const who = { kind: 'user' as const, user: 'bench', role: 'pilot' as const, from: '127.0.0.1', via: 'console' as const };
const direct: number[] = [];
const through: number[] = [];
let refused = 0;
let failed = 0;
for (let i = 0; i < N + 20; i++) {
  const cmd = cmds[i % cmds.length]! as Exclude<GatewayCommand, { command: 'release' }>;
  const t0 = performance.now();
  const a = await runGatewayCommand(c, cmd);
  const t1 = performance.now();
  const b = await gateway.perform({ who, sysid: 1, act: { kind: 'command', cmd } }, () => runGatewayCommand(c, cmd), (r) => ({ ok: r.ok, text: r.ok ? r.value.text : r.reason }));
  const t2 = performance.now();
  if (!b.sent) refused++;
  if (!a.ok || (b.sent && !b.value.ok)) failed++;
  if (i < 20) continue; // warm-up
  direct.push(t1 - t0);
  through.push(t2 - t1);
}

// The gateway's own work without a drone: check + two audit rows around an immediate answer.
const alone: number[] = [];
for (let i = 0; i < N; i++) {
  const cmd = cmds[i % cmds.length]!;
  const t0 = performance.now();
  await gateway.perform({ who, sysid: 1, act: { kind: 'command', cmd } }, () => Promise.resolve({ ok: true }), () => ({ ok: true, text: 'ok' }));
  alone.push(performance.now() - t0);
}

const q = (v: number[], p: number) => {
  const s = [...v].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))]!;
};
const ms = (x: number) => `${x.toFixed(3)} ms`;
const verify = gateway.audit.verify();
console.log(`command gateway: ${N} commands each way (go-to and speed, alternating), interleaved; refused ${refused}, failed ${failed}`);
console.log(`  direct          median ${ms(q(direct, 0.5))}  p95 ${ms(q(direct, 0.95))}`);
console.log(`  through gateway median ${ms(q(through, 0.5))}  p95 ${ms(q(through, 0.95))}`);
console.log(`  ratio           median ${(q(through, 0.5) / q(direct, 0.5)).toFixed(2)}×  p95 ${(q(through, 0.95) / q(direct, 0.95)).toFixed(2)}×`);
console.log(`  added           median ${ms(q(through, 0.5) - q(direct, 0.5))}  p95 ${ms(q(through, 0.95) - q(direct, 0.95))}`);
console.log(`  gateway alone (check + 2 audit rows, no drone) median ${ms(q(alone, 0.5))}  p95 ${ms(q(alone, 0.95))}`);
console.log(`  audit: ${verify.rows} rows, chain ${verify.ok ? 'intact' : 'BROKEN'}`);

gateway.close();
await station.close();
await fleet.value.stop();
rmSync(dir, { recursive: true, force: true });
