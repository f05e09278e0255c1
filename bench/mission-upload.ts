/**
 * Mission upload time over a lossy link, as a ratio to the protocol's lower bound (items × RTT: the vehicle
 * pulls one item per round trip), and the success rate over N seeded trials.
 *
 *   npx tsx bench/mission-upload.ts            # N = 5 trials per cell
 *   npx tsx bench/mission-upload.ts 20         # N = 20
 *
 * Each trial: a simulated ArduCopter (sitl/, its mission server re-requests after 1 s as ArduPilot does) and
 * the station's machines (mavlink/services/mission) on one FakeClock, joined by memoryPair with one-way
 * latency RTT/2 and the given loss each way (seeded per trial). The upload is verified by reading it back;
 * "ok" counts trials where the verified upload succeeded AND the simulator's storage equals the plan (a
 * failure must be reported as one: "silent" counts successes whose storage differs — must be 0).
 * Columns: time of the upload (COUNT → ACK) / (items × RTT), median and worst over the successful trials;
 * the same for upload + read-back against 2 × items × RTT.
 */
import { FakeClock } from '../common/clock.js';
import { MavConnection } from '../mavlink/connection.js';
import { ARDUPILOT_COPTER } from '../mavlink/quirks.js';
import { uploadVerified } from '../mavlink/services/mission/transfer.js';
import { memoryPair } from '../mavlink/transport/memory.js';
import { SimDrone } from '../sitl/drone.js';
import { squareMission } from '../sitl/mission-testkit.js';

const HOME = { lat: 24.4798, lon: 118.0894, altAmslM: 10 };

interface Trial { ok: boolean; silent: boolean; uploadMs: number; totalMs: number; resends: number }

async function trial(items: number, rttMs: number, loss: number, seed: number): Promise<Trial> {
  const clock = new FakeClock();
  const [a, b] = memoryPair(clock, { latencyMs: rttMs / 2, lossRate: loss, seed });
  const drone = new SimDrone({ clock, home: HOME, seed, warmupMs: 1000 });
  const droneSide = new MavConnection(a, { clock, sysid: 1, compid: 1 });
  const gcs = new MavConnection(b, { clock, sysid: 255, compid: 190 });
  await droneSide.open();
  await gcs.open();
  drone.attach(droneSide);
  clock.advance(2000);
  const plan = squareMission({ lat: HOME.lat, lon: HOME.lon }, items);
  const run = uploadVerified(
    { clock, link: gcs, peer: { targetSystem: 1, targetComponent: 1, gcsSysid: 255, gcsCompid: 190 }, quirks: ARDUPILOT_COPTER },
    'mission',
    plan,
  );
  let done = false;
  const resP = run.result.then((r) => ((done = true), r));
  for (let t = 0; !done && t < 3_600_000; t += 50) {
    clock.advance(50);
    for (let k = 0; k < 4; k++) await Promise.resolve();
  }
  const r = await resP;
  drone.stop();
  const stored = drone.missions.items('mission');
  const same = stored.length === plan.length && plan.every((p, i) => i === 0 || (p.command === stored[i]!.command && p.x === stored[i]!.x && p.y === stored[i]!.y && p.z === stored[i]!.z));
  return { ok: r.ok && same, silent: r.ok && !same, uploadMs: r.upload.elapsedMs, totalMs: r.elapsedMs, resends: r.upload.resends };
}

const median = (v: number[]) => {
  const s = [...v].sort((x, y) => x - y);
  return s.length === 0 ? NaN : s[Math.floor((s.length - 1) / 2)]!;
};

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 5);
  const rows: string[] = [];
  rows.push('| items | RTT ms | loss | ok / N | silent | upload ÷ (items×RTT): median (worst) | upload+read-back ÷ (2×items×RTT) | resends (median) |');
  rows.push('|---:|---:|---:|---:|---:|---:|---:|---:|');
  console.log(rows.join('\n'));
  for (const items of [100, 500]) {
    for (const rtt of [50, 300]) {
      for (const loss of [0, 0.05, 0.1, 0.2, 0.3]) {
        const ts: Trial[] = [];
        for (let s = 1; s <= n; s++) ts.push(await trial(items, rtt, loss, 1000 * s + Math.round(loss * 100)));
        const good = ts.filter((t) => t.ok);
        const lb = items * rtt;
        const up = good.map((t) => t.uploadMs / lb);
        const tot = good.map((t) => t.totalMs / (2 * lb));
        const line = `| ${items} | ${rtt} | ${(loss * 100).toFixed(0)} % | ${good.length} / ${n} | ${ts.filter((t) => t.silent).length} | ${median(up).toFixed(2)} (${Math.max(...up).toFixed(2)}) | ${median(tot).toFixed(2)} | ${median(ts.map((t) => t.resends))} |`;
        rows.push(line);
        console.log(line);
      }
    }
  }
}

await main();
