/**
 * Child process for tests/system/kill-during-writes.test.ts: records a vehicle's 50 Hz HEARTBEAT stream into
 * `<dataDir>/tlogs/` (SystemClock, flush every 100 ms so a kill lands during writes) and writes a patrol-store
 * event every 2 ms with WAL + synchronous=FULL, and rewrites a drone's battery model (DATA/battery/sys1.json,
 * battery-store.ts) one write after another; prints "rx <timeUs>" for every frame recorded, "ev <n>" after every
 * committed event and "bm <n>" after every battery model in place (its flightS = n), until the parent kills it
 * with SIGKILL.
 * Usage: node --import tsx station/testdata/store-then-die.ts <dataDir>
 */
import { openPatrolStore } from '../patrol/store.js';
import { emptyBatteryModel } from '../vehicle/battery-estimate.js';
import { saveBatteryModel } from '../vehicle/battery-store.js';
import { recordHeartbeats } from './heartbeat-recording.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: store-then-die.ts <dataDir>');
const { clock } = await recordHeartbeats(dataDir, { flushMs: 100, syncMs: 1000 });
const store = openPatrolStore(dataDir);
if (!store.ok) throw new Error(store.reason);
let n = 0;
clock.setInterval(() => {
  store.value.event({ atMs: clock.now(), sortie: 'P001', sysid: 1, kind: 'state', text: `event ${n} ${'x'.repeat(200)}` });
  process.stdout.write(`ev ${n++}\n`);
}, 2);
let bm = 0;
void (async () => {
  for (;;) {
    const saved = await saveBatteryModel(dataDir, 1, { ...emptyBatteryModel(), whPerPct: [null, null, null, null, null, null, null, null, 3.5, 3.7], steps: [0, 0, 0, 0, 0, 0, 0, 0, 10, 12], flightW: 300, flightS: bm });
    if (!saved.ok) throw new Error(saved.reason);
    process.stdout.write(`bm ${bm++}\n`);
  }
})();
