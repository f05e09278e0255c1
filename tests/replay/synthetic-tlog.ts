/** Test helper: a tlog of one vehicle's HEARTBEATs and positions, armed over given spans, as the recorder writes it. */
import { minimal, standard } from 'mavlink-mappings';
import { encodeV2 } from '../../mavlink/codec/frame.js';
import { encodePayload, make, type MavLinkData } from '../../mavlink/codec/messages.js';
import { encodeTlogRecord } from '../../station/storage/tlog.js';

export interface SyntheticFlight {
  armMs: number;
  disarmMs: number;
}

/**
 * HEARTBEAT (ArduCopter quad, GUIDED) and GLOBAL_POSITION_INT every `stepMs` from `fromMs` to `toMs`; armed
 * inside each flight span; altitude 10 m while armed. Returns the file's bytes and the exact arm/disarm times.
 */
export function syntheticTlog(sysid: number, fromMs: number, toMs: number, flights: SyntheticFlight[], stepMs = 250): { bytes: Uint8Array; spans: { startMs: number; endMs: number }[] } {
  const parts: Uint8Array[] = [];
  let seq = 0;
  const rec = (tMs: number, m: MavLinkData) => {
    const p = encodePayload(m);
    parts.push(encodeTlogRecord(tMs * 1000, encodeV2({ seq: seq++ & 0xff, sysid, compid: 1 }, p.msgid, p.crcExtra, p.payload)));
  };
  const spans = flights.map(() => ({ startMs: NaN, endMs: NaN }));
  let prevArmed = false;
  let cur = -1;
  for (let t = fromMs; t <= toMs; t += stepMs) {
    const k = flights.findIndex((f) => t >= f.armMs && t < f.disarmMs);
    const armed = k >= 0;
    if (armed && !prevArmed) spans[(cur = k)]!.startMs = t;
    if (!armed && prevArmed) spans[cur]!.endMs = t;
    prevArmed = armed;
    rec(t, make(minimal.Heartbeat, { type: minimal.MavType.QUADROTOR, autopilot: minimal.MavAutopilot.ARDUPILOTMEGA, baseMode: (armed ? 0x81 : 0x01) as minimal.MavModeFlag, customMode: 4, systemStatus: armed ? 4 : 3, mavlinkVersion: 3 }));
    rec(t + 1, make(standard.GlobalPositionInt, { timeBootMs: Math.round(t - fromMs) + 1000, lat: 245900000, lon: 1182620000, alt: armed ? 20000 : 10000, relativeAlt: armed ? 10000 : 0, hdg: 9000 }));
  }
  let n = 0;
  for (const p of parts) n += p.length;
  const bytes = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    bytes.set(p, o);
    o += p.length;
  }
  return { bytes, spans };
}
