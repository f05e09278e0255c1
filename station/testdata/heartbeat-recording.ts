/**
 * What the record-then-die child processes share: a drone sending HEARTBEAT at 50 Hz over a memory link on the real
 * SystemClock to a station connection whose frames a TlogRecorder records into `<dataDir>/tlogs/`, printing
 * "rx <timeUs>" for every frame received (the recorder stores time in µs, rounded down to 4 µs here as the test reads it).
 */
import { minimal } from 'mavlink-mappings';
import { SystemClock } from '../../common/clock.js';
import { MavConnection } from '../../mavlink/connection.js';
import { make } from '../../mavlink/codec/messages.js';
import { memoryPair } from '../../mavlink/transport/index.js';
import { TlogRecorder, type RecorderOptions } from '../storage/recorder.js';

export async function recordHeartbeats(dataDir: string, recorder: Omit<RecorderOptions, 'clock' | 'dataDir'> = {}): Promise<{ clock: SystemClock }> {
  const clock = new SystemClock();
  const [a, b] = memoryPair(clock);
  const gcs = new MavConnection(a, { clock, sysid: 255, compid: 190, name: 'memory-a' });
  const drone = new MavConnection(b, { clock, sysid: 1, compid: 1 });
  await gcs.open();
  await drone.open();
  new TlogRecorder({ clock, dataDir, ...recorder }).attach(gcs);
  gcs.onMessage((r) => process.stdout.write(`rx ${Math.floor((r.atMs * 1000) / 4) * 4}\n`));
  clock.setInterval(() => drone.send(make(minimal.Heartbeat, { type: 2, autopilot: 3, systemStatus: 4 })), 20);
  return { clock };
}
