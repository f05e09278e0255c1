/**
 * Child process for tests/system/kill-during-writes.test.ts: records a vehicle's 50 Hz HEARTBEAT stream into
 * `<dataDir>/tlogs/` (SystemClock, flush every 100 ms so a kill lands during writes) and writes a patrol-store
 * event every 2 ms with WAL + synchronous=FULL; prints "rx <timeUs>" for every frame recorded and "ev <n>" after
 * every committed event, until the parent kills it with SIGKILL.
 * Usage: node --import tsx station/testdata/store-then-die.ts <dataDir>
 */
import { minimal } from 'mavlink-mappings';
import { SystemClock } from '../../common/clock.js';
import { MavConnection } from '../../mavlink/connection.js';
import { make } from '../../mavlink/codec/messages.js';
import { memoryPair } from '../../mavlink/transport/index.js';
import { openPatrolStore } from '../patrol/store.js';
import { TlogRecorder } from '../storage/recorder.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: store-then-die.ts <dataDir>');
const clock = new SystemClock();
const [a, b] = memoryPair(clock);
const gcs = new MavConnection(a, { clock, sysid: 255, compid: 190, name: 'memory-a' });
const drone = new MavConnection(b, { clock, sysid: 1, compid: 1 });
await gcs.open();
await drone.open();
const recorder = new TlogRecorder({ clock, dataDir, flushMs: 100, syncMs: 1000 });
recorder.attach(gcs);
gcs.onMessage((r) => process.stdout.write(`rx ${Math.floor((r.atMs * 1000) / 4) * 4}\n`));
clock.setInterval(() => drone.send(make(minimal.Heartbeat, { type: 2, autopilot: 3, systemStatus: 4 })), 20);
const store = openPatrolStore(dataDir);
if (!store.ok) throw new Error(store.reason);
let n = 0;
clock.setInterval(() => {
  store.value.event({ atMs: clock.now(), sortie: 'P001', sysid: 1, kind: 'state', text: `event ${n} ${'x'.repeat(200)}` });
  process.stdout.write(`ev ${n++}\n`);
}, 2);
