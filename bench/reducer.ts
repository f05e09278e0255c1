/**
 * The vehicle reducer, per frame, on a real ArduCopter session (tests/fixtures/copter-mission-flight.tlog,
 * 23 710 frames of sys1, decoded once before timing), two ways in the same run, rounds interleaved:
 *
 *   (a) pure:  reduceVehicle — the input state is never changed, so the counters a frame touches (link loss,
 *              the message's rate, the duplicate filter) are copied each frame: the baseline, and what the
 *              station did for every frame before the Vehicle owned its state;
 *   (b) owned: reduceVehicleOwned — the Vehicle's path: counters in place, telemetry shared where unchanged.
 *
 * Both end in the same state (vehicle-state.replay.test.ts checks it). Prints µs per frame (median of the
 * rounds) and owned ÷ pure.
 *
 * Run: npx tsx bench/reducer.ts [rounds=15] [passes per round=2]   (see bench/README.md)
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodePayload } from '../mavlink/codec/messages.js';
import { readTlog } from '../station/storage/tlog.js';
import { initialVehicleState, reduceVehicle, reduceVehicleOwned, type VehicleInput, type VehicleState } from '../station/vehicle/vehicle-state.js';

const rounds = Number(process.argv[2] ?? 15);
const passes = Number(process.argv[3] ?? 2);

const tlog = new Uint8Array(readFileSync(fileURLToPath(new URL('../tests/fixtures/copter-mission-flight.tlog', import.meta.url))));
const inputs: VehicleInput[] = [];
for (const { timeUs, frame } of readTlog(tlog)) {
  if (frame.sysid !== 1) continue;
  inputs.push({ type: 'frame', link: 'tcp', sysid: 1, compid: frame.compid, seq: frame.seq, msgid: frame.msgid, message: decodePayload(frame.msgid, frame.payload), atMs: timeUs / 1000 });
}

const ways: Record<string, (s: VehicleState, i: VehicleInput) => VehicleState> = {
  pure: (s, i) => reduceVehicle(s, i),
  owned: (s, i) => reduceVehicleOwned(s, i).state,
};
const times: Record<string, number[]> = { pure: [], owned: [] };
for (let r = 0; r < rounds; r++) {
  for (const [name, step] of Object.entries(ways)) {
    const t0 = performance.now();
    let s = initialVehicleState(1, 1);
    for (let p = 0; p < passes; p++) for (const i of inputs) s = step(s, i);
    times[name]!.push(((performance.now() - t0) * 1000) / (inputs.length * passes));
    if (s.lastHeartbeatMs === null) throw new Error('the replay reduced no HEARTBEAT');
  }
}
const median = (a: number[]): number => [...a].sort((x, y) => x - y)[a.length >> 1]!;
const pure = median(times.pure!);
const owned = median(times.owned!);
console.log(`vehicle reducer: ${inputs.length} frames × ${passes} passes, ${rounds} rounds (median), node ${process.version}`);
console.log(`  (a) pure reduceVehicle       ${pure.toFixed(2)} µs/frame`);
console.log(`  (b) owned reduceVehicleOwned ${owned.toFixed(2)} µs/frame`);
console.log(`  owned ÷ pure: ${(owned / pure).toFixed(2)}×`);
