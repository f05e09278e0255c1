/**
 * What the simulated ArduCopter stores of a mission list, and how it reads it back. Kept as received; the
 * read-back is normalised as ArduPilot's storage does (copter-mission-flight.tlog, ARDUPILOT-NOTES.md):
 *   - seq 0 of the mission is home: frame 0 (GLOBAL), home latitude/longitude, z = home altitude AMSL;
 *   - frames 6 → 3, 5 → 0, 11 → 10; commands without a position (DO items, RTL) come back in frame 0;
 *   - only the params ArduPilot stores survive (others read 0; NaN reads 0); NAV_LOITER_* param3 is kept as
 *     a direction only (+1, or -1 for counter-clockwise).
 */
import { checkItemArduPilot } from '../mavlink/services/mission/item-rules.js';
import { positionUse } from '../mavlink/services/mission/verify.js';
import type { MissionType, WireItem } from '../mavlink/services/mission/types.js';

/** Params (0-based) ArduCopter keeps per command; commands not listed keep all four. */
const STORED_PARAMS: ReadonlyMap<number, readonly number[]> = new Map<number, readonly number[]>([
  [16, [0]], [17, [2]], [18, [0, 2]], [19, [0, 2]], [20, []], [21, []], [22, []], [177, [0, 1]], [178, [0, 1, 2]],
  [195, []], [197, []], [201, [0]], [203, []], [2001, []], [2500, []], [2501, []], [5000, []], [5001, [0]], [5002, [0]],
  [5003, [0]], [5004, [0]], [5100, []],
]);

const LOITER_DIRECTION = new Set([17, 18, 19]);

/** Storage size of each list (ArduPilot SITL: large mission storage; fence and rally are small). */
export const CAPACITY: Readonly<Record<MissionType, number>> = { mission: 1000, fence: 100, rally: 10 };

function readFrame(it: WireItem): number {
  if (positionUse(it.command) === 'none') return 0;
  return it.frame === 6 ? 3 : it.frame === 5 ? 0 : it.frame === 11 ? 10 : it.frame;
}

/** One stored item as the vehicle sends it back. */
export function readBack(it: WireItem): WireItem {
  const keep = STORED_PARAMS.get(it.command);
  const params = it.params.map((v, i) => {
    if (keep && !keep.includes(i)) return 0;
    if (i === 2 && LOITER_DIRECTION.has(it.command)) return v < 0 ? -1 : 1;
    return Number.isNaN(v) ? 0 : v;
  }) as WireItem['params'];
  const pos = positionUse(it.command);
  return {
    ...it,
    frame: readFrame(it),
    params,
    x: pos === 'none' ? 0 : it.x,
    y: pos === 'none' ? 0 : it.y,
    z: pos === 'none' || pos === 'xy' ? 0 : it.z,
    current: 0,
  };
}

/** A 32-bit identity of a stored list (ArduPilot: a CRC over the stored items), never 0. */
export function listId(type: MissionType, items: readonly WireItem[]): number {
  let h = 0x811c9dc5 ^ (type === 'mission' ? 0 : type === 'fence' ? 1 : 2);
  const mix = (v: number) => {
    h ^= v & 0xffffffff;
    h = Math.imul(h, 0x01000193) >>> 0;
  };
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (const it of items) {
    mix(it.command);
    mix(it.frame);
    mix(it.x);
    mix(it.y);
    for (const v of [...it.params, it.z]) {
      f[0] = v;
      mix(u[0]!);
    }
  }
  return h === 0 ? 1 : h;
}

/**
 * Checks of one uploaded item: undefined when fine, else the MAV_MISSION_RESULT to answer — ArduPilot's own
 * rules (AP_Mission sanity_check_params and mavlink_int_to_mission_cmd), shared with the station
 * (mavlink/services/mission/item-rules.ts).
 */
export function checkItem(type: MissionType, it: WireItem): number | undefined {
  return checkItemArduPilot(type, it)?.code;
}
