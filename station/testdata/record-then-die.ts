/**
 * Child process for recorder.test.ts: records a vehicle's 50 Hz HEARTBEAT stream with the real
 * SystemClock into `<dataDir>/tlogs/` and prints "rx <timeUs>" for every frame recorded, until the parent
 * kills it with SIGKILL. Usage: npx tsx station/testdata/record-then-die.ts <dataDir>
 */
import { minimal } from 'mavlink-mappings';
import { SystemClock } from '../../common/clock.js';
import { MavConnection } from '../../mavlink/connection.js';
import { make } from '../../mavlink/codec/messages.js';
import { memoryPair } from '../../mavlink/transport/index.js';
import { TlogRecorder } from '../storage/recorder.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: record-then-die.ts <dataDir>');
const clock = new SystemClock();
const [a, b] = memoryPair(clock);
const gcs = new MavConnection(a, { clock, sysid: 255, compid: 190, name: 'memory-a' });
const drone = new MavConnection(b, { clock, sysid: 1, compid: 1 });
await gcs.open();
await drone.open();
const recorder = new TlogRecorder({ clock, dataDir });
recorder.attach(gcs);
gcs.onMessage((r) => process.stdout.write(`rx ${Math.floor((r.atMs * 1000) / 4) * 4}\n`));
clock.setInterval(() => drone.send(make(minimal.Heartbeat, { type: 2, autopilot: 3, systemStatus: 4 })), 20);
