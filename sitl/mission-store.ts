/**
 * What the simulated ArduCopter stores of a mission list, and how it reads it back. Kept as received; the
 * read-back is normalised as ArduPilot's storage does (copter-mission-flight.tlog, ARDUPILOT-NOTES.md):
 *   - seq 0 of the mission is home: frame 0 (GLOBAL), home latitude/longitude, z = home altitude AMSL;
 *   - frames 6 → 3, 5 → 0, 11 → 10; commands without a position (DO items, RTL) come back in frame 0;
 *   - only the params ArduPilot stores survive (others read 0; NaN reads 0); NAV_LOITER_* param3 is kept as
 *     a direction only (+1, or -1 for counter-clockwise).
 */
import { positionUse } from '../mavlink/services/mission/verify.js';
import type { MissionType, WireItem } from '../mavlink/services/mission/types.js';

/** Params (0-based) ArduCopter keeps per command; commands not listed keep all four. */
const STORED_PARAMS: ReadonlyMap<number, readonly number[]> = new Map<number, readonly number[]>([
  [16, [0]], [17, [2]], [18, [0, 2]], [19, [0, 2]], [20, []], [21, []], [22, []], [177, [0, 1]], [178, [0, 1, 2]],
  [195, []], [197, []], [201, [0]], [203, []], [2001, []], [2500, []], [2501, []], [5000, []], [5001, [0]], [5002, [0]],
  [5003, [0]], [5004, [0]], [5100, []],
]);

const LOITER_DIRECTION = new Set([17, 18, 19]);

/** Commands the simulated copter accepts in each list (others draw MAV_MISSION_UNSUPPORTED). */
export const ACCEPTED_COMMANDS: Readonly<Record<MissionType, ReadonlySet<number>>> = {
  mission: new Set([16, 17, 18, 19, 20, 21, 22, 93, 112, 114, 115, 177, 178, 179, 181, 183, 189, 195, 197, 201, 203, 205, 206, 1000, 2000, 2001, 2500, 2501]),
  fence: new Set([5000, 5001, 5002, 5003, 5004]),
  rally: new Set([5100]),
};

export const ACCEPTED_FRAMES: ReadonlySet<number> = new Set([0, 2, 3, 5, 6, 10, 11]);

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

/** Checks of one uploaded item: undefined when fine, else the MAV_MISSION_RESULT to answer. */
export function checkItem(type: MissionType, it: WireItem): number | undefined {
  if (!ACCEPTED_COMMANDS[type].has(it.command)) return 3; // UNSUPPORTED
  if (!ACCEPTED_FRAMES.has(it.frame)) return 2; // UNSUPPORTED_FRAME
  if (positionUse(it.command) !== 'none' && (Math.abs(it.x) > 900_000_000 || Math.abs(it.y) > 1_800_000_000)) return 10; // INVALID_PARAM5_X
  return undefined;
}
