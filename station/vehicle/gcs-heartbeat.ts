/**
 * The ground station's own HEARTBEAT: MAV_TYPE_GCS, MAV_AUTOPILOT_INVALID, base_mode 0, system_status
 * ACTIVE, at 1 Hz on every connection (to every peer), sent at once when started. ArduPilot's GCS-loss
 * failsafe watches these (from MAV_GCS_SYSID only), and it sends STATUSTEXT only to links that hear a GCS.
 */
import { minimal } from 'mavlink-mappings';
import type { Clock } from '../../common/clock.js';
import { make, type MavLinkData } from '../../mavlink/codec/messages.js';

export interface HeartbeatSender {
  send(message: MavLinkData): unknown;
}

export function gcsHeartbeat(): minimal.Heartbeat {
  return make(minimal.Heartbeat, {
    type: minimal.MavType.GCS,
    autopilot: minimal.MavAutopilot.INVALID,
    baseMode: 0 as minimal.MavModeFlag,
    customMode: 0,
    systemStatus: minimal.MavState.ACTIVE,
    mavlinkVersion: 3,
  });
}

/** Start sending; returns the function that stops. `connections` is read at each beat (links may be added). */
export function startGcsHeartbeat(clock: Clock, connections: () => Iterable<HeartbeatSender>, periodMs = 1000): () => void {
  const beat = (): void => {
    const hb = gcsHeartbeat();
    for (const c of connections()) c.send(hb);
  };
  beat();
  const id = clock.setInterval(beat, periodMs);
  return () => clock.clearInterval(id);
}
