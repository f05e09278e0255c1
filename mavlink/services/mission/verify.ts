/**
 * Read-back verification: does what the vehicle stores mean what we sent? Not a byte comparison, because
 * autopilots normalise what they store (ArduPilot: frames 6 → 3 and 5 → 0, frame 0 for DO items,
 * NAV_LOITER_TIME param3 kept only as a direction, seq 0 replaced by home). We compare what matters:
 *   - the count and every command;
 *   - for commands with a position: the frame class (relative / AMSL / terrain), latitude and longitude to
 *     1e-7° (one unit of x/y), altitude to 1 cm;
 *   - the params the command uses (table below; 'exact' firmware: all four), to 1e-4 relative;
 *     a NaN we sent means "unset / no change" and matches anything.
 */
import type { Quirks } from '../../quirks.js';
import type { MissionType, WireItem } from './types.js';

export interface Mismatch {
  seq: number;
  field: string;
  sent: number | string;
  got: number | string;
}

export interface VerifyResult {
  ok: boolean;
  mismatches: Mismatch[];
  /** Items compared (home at 0 is not). */
  compared: number;
}

type PositionUse = 'xyz' | 'xy' | 'none';

interface CommandUse {
  params: readonly number[];
  position: PositionUse;
  /** param3 stored only as a direction (sign) by ArduPilot. */
  p3Direction?: boolean;
}

/** What ArduPilot stores of each command (AP_Mission::mavlink_int_to_mission_cmd). */
const ARDUPILOT_USE: ReadonlyMap<number, CommandUse> = new Map<number, CommandUse>([
  [16, { params: [0], position: 'xyz' }], // NAV_WAYPOINT: hold time
  [17, { params: [], position: 'xyz', p3Direction: true }], // NAV_LOITER_UNLIM
  [18, { params: [0], position: 'xyz', p3Direction: true }], // NAV_LOITER_TURNS: turns (radius packed, rounded)
  [19, { params: [0], position: 'xyz', p3Direction: true }], // NAV_LOITER_TIME: seconds
  [20, { params: [], position: 'none' }], // NAV_RETURN_TO_LAUNCH
  [21, { params: [], position: 'xyz' }], // NAV_LAND
  [22, { params: [], position: 'xyz' }], // NAV_TAKEOFF
  [112, { params: [0], position: 'none' }], // CONDITION_DELAY
  [114, { params: [0], position: 'none' }], // CONDITION_DISTANCE
  [115, { params: [0, 1, 2, 3], position: 'none' }], // CONDITION_YAW
  [177, { params: [0, 1], position: 'none' }], // DO_JUMP: target, repeat
  [178, { params: [0, 1], position: 'none' }], // DO_CHANGE_SPEED: type, speed
  [183, { params: [0, 1], position: 'none' }], // DO_SET_SERVO
  [195, { params: [], position: 'xyz' }], // DO_SET_ROI_LOCATION
  [197, { params: [], position: 'none' }], // DO_SET_ROI_NONE
  [201, { params: [0], position: 'xyz' }], // DO_SET_ROI
  [203, { params: [], position: 'none' }], // DO_DIGICAM_CONTROL
  [205, { params: [0, 1, 2], position: 'none' }], // DO_MOUNT_CONTROL: pitch, roll, yaw
  [206, { params: [0], position: 'none' }], // DO_SET_CAM_TRIGG_DIST
  [1000, { params: [0, 1, 2, 3], position: 'none' }], // DO_GIMBAL_MANAGER_PITCHYAW
  [2000, { params: [1, 2], position: 'none' }], // IMAGE_START_CAPTURE: interval, count
  [2001, { params: [], position: 'none' }], // IMAGE_STOP_CAPTURE
  [2500, { params: [], position: 'none' }], // VIDEO_START_CAPTURE
  [2501, { params: [], position: 'none' }], // VIDEO_STOP_CAPTURE
  [5000, { params: [], position: 'xy' }], // NAV_FENCE_RETURN_POINT
  [5001, { params: [0], position: 'xy' }], // NAV_FENCE_POLYGON_VERTEX_INCLUSION: vertex count
  [5002, { params: [0], position: 'xy' }], // NAV_FENCE_POLYGON_VERTEX_EXCLUSION
  [5003, { params: [0], position: 'xy' }], // NAV_FENCE_CIRCLE_INCLUSION: radius
  [5004, { params: [0], position: 'xy' }], // NAV_FENCE_CIRCLE_EXCLUSION
  [5100, { params: [], position: 'xyz' }], // NAV_RALLY_POINT
]);

const EXACT: CommandUse = { params: [0, 1, 2, 3], position: 'xyz' };

/** Position use of a command, for any firmware (also used by the simulator and plan conversion). */
export function positionUse(command: number): PositionUse {
  return ARDUPILOT_USE.get(command)?.position ?? 'xyz';
}

export function frameClass(frame: number): string {
  switch (frame) {
    case 0:
    case 5:
      return 'amsl';
    case 3:
    case 6:
      return 'relative';
    case 10:
    case 11:
      return 'terrain';
    case 2:
      return 'mission';
    default:
      return `frame-${frame}`;
  }
}

const sameParam = (a: number, b: number): boolean => Number.isNaN(a) || Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(a));

export function verifyItems(
  type: MissionType,
  sent: readonly WireItem[],
  got: readonly WireItem[],
  quirks: Pick<Quirks, 'homeAtSeq0' | 'missionReadback'>,
): VerifyResult {
  const mismatches: Mismatch[] = [];
  if (sent.length !== got.length) {
    mismatches.push({ seq: -1, field: 'count', sent: sent.length, got: got.length });
    return { ok: false, mismatches, compared: 0 };
  }
  const first = type === 'mission' && quirks.homeAtSeq0 ? 1 : 0;
  const ardupilot = quirks.missionReadback === 'ardupilot';
  for (let i = first; i < sent.length; i++) {
    const a = sent[i]!;
    const b = got[i]!;
    const miss = (field: string, x: number | string, y: number | string) => mismatches.push({ seq: i, field, sent: x, got: y });
    if (a.command !== b.command) {
      miss('command', a.command, b.command);
      continue;
    }
    const use = ardupilot ? (ARDUPILOT_USE.get(a.command) ?? EXACT) : EXACT;
    if (use.position !== 'none') {
      if (use.position === 'xyz' && (ardupilot ? frameClass(a.frame) !== frameClass(b.frame) : a.frame !== b.frame)) miss('frame', a.frame, b.frame);
      if (Math.abs(a.x - b.x) > 1) miss('latitude', a.x, b.x);
      if (Math.abs(a.y - b.y) > 1) miss('longitude', a.y, b.y);
      if (use.position === 'xyz' && !(Math.abs(a.z - b.z) <= 0.01) && !(Number.isNaN(a.z) && Number.isNaN(b.z))) miss('altitude', a.z, b.z);
    } else if (!ardupilot && a.frame !== b.frame) miss('frame', a.frame, b.frame);
    for (const p of use.params) {
      if (!sameParam(a.params[p]!, b.params[p]!)) miss(`param${p + 1}`, a.params[p]!, b.params[p]!);
    }
    if (ardupilot && use.p3Direction) {
      const dir = (v: number) => (v < 0 ? -1 : 1);
      if (dir(a.params[2]) !== dir(b.params[2])) miss('param3 (direction)', a.params[2], b.params[2]);
    }
    if (!ardupilot && a.autocontinue !== b.autocontinue) miss('autocontinue', a.autocontinue, b.autocontinue);
  }
  return { ok: mismatches.length === 0, mismatches, compared: sent.length - first };
}

export function describeMismatch(m: Mismatch): string {
  return m.seq < 0 ? `${m.field}: sent ${m.sent}, vehicle has ${m.got}` : `item ${m.seq} ${m.field}: sent ${m.sent}, vehicle has ${m.got}`;
}
