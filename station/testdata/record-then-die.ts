/**
 * Child process for recorder.test.ts: records a vehicle's 50 Hz HEARTBEAT stream with the real
 * SystemClock into `<dataDir>/tlogs/` and prints "rx <timeUs>" for every frame recorded, until the parent
 * kills it with SIGKILL. Usage: npx tsx station/testdata/record-then-die.ts <dataDir>
 */
import { recordHeartbeats } from './heartbeat-recording.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: record-then-die.ts <dataDir>');
await recordHeartbeats(dataDir);
