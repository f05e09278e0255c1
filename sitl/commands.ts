/**
 * COMMAND_LONG / COMMAND_INT handling for the simulated ArduCopter, answering with COMMAND_ACK.
 *
 *   received ──► fault rule forces a result? ──► ACK(forced)
 *            └─► duplicate (same sender, command and params, confirmation > 0, within 3 s)? ──► ACK(previous)
 *            └─► execute ──► ACK(result) ──► follow-up (e.g. the requested message, after the ACK, as captured)
 *
 * Location commands arrive either way: COMMAND_INT carries lat/lon ×1e7 in x/y and a frame; COMMAND_LONG
 * carries degrees in param5/6 and, as ArduPilot converts it, a relative-to-home altitude.
 */
import { common, minimal } from 'mavlink-mappings';
import { enuFromLatLon, fromE7, type Home } from './geo.js';
import { MSG, type SimLink } from './link.js';
import { Mode } from './modes.js';

const C = common.MavCmd;
const R = common.MavResult;

/**
 * Camera messages in ArduPilot's MAVLink-id → ap_message map (GCS_Common.cpp, under AP_CAMERA_ENABLED):
 * CAMERA_FEEDBACK, CAMERA_INFORMATION, CAMERA_SETTINGS, CAMERA_CAPTURE_STATUS, VIDEO_STREAM_INFORMATION,
 * CAMERA_FOV_STATUS. REQUEST_MESSAGE for them is ACCEPTED; AP_Camera sends them per configured backend.
 */
export const AP_CAMERA_MESSAGES: ReadonlySet<number> = new Set([180, 259, 260, 262, 269, 271]);
const FRAME = common.MavFrame;

export interface CommandIn {
  command: number;
  params: [number, number, number, number, number, number, number];
  /** COMMAND_INT: frame, and x/y as int32 ×1e7. */
  int?: { frame: number; x: number; y: number };
  confirmation: number;
  fromSysid: number;
  fromCompid: number;
}

export interface CommandOutcome {
  result: number;
  /** Run after the ACK has been sent (e.g. send the requested message). */
  after?: () => void;
}

/** What commands need from the drone. */
export interface CommandHost {
  readonly home: Home;
  readonly armed: boolean;
  readonly mode: number;
  readonly flying: boolean;
  arm(force: boolean): number;
  disarm(force: boolean): number;
  setMode(mode: number): number;
  positionOk(): boolean;
  currentUpM(): number;
  takeoff(altM: number): number;
  gotoEnu(eM: number, nM: number, upM: number, speedMps?: number): number;
  setSpeed(speedMps: number): number;
  pauseContinue(pause: boolean): number;
  setRoi(roi: { eM: number; nM: number } | undefined): void;
  setGimbal(pitchDeg: number, yawDeg: number): void;
  reboot(): number;
  /** Whether a message can be produced now (REQUEST_MESSAGE). */
  canSendMessage(msgid: number): boolean;
  /** Send a message once on one link. */
  sendMessageNow(link: SimLink, msgid: number, peer: string | undefined): void;
  forcedResult(command: number): number | undefined;
  /** MAV_CMD_MISSION_START (first/last item) and MAV_CMD_DO_SET_MISSION_CURRENT; absent: UNSUPPORTED. */
  missionStart?(first: number, last: number): number;
  setMissionCurrent?(seq: number): number;
}

interface Location {
  eM: number;
  nM: number;
  upM: number;
}

/** Decode a command's target location; NaN/0 lat-lon means "here". Alt frame: AMSL or relative. */
function location(host: CommandHost, cmd: CommandIn): Location | undefined {
  const p = cmd.params;
  let latDeg: number;
  let lonDeg: number;
  let frame: number = FRAME.GLOBAL_RELATIVE_ALT;
  if (cmd.int) {
    if (cmd.int.x === 0 && cmd.int.y === 0) return undefined;
    latDeg = fromE7(cmd.int.x);
    lonDeg = fromE7(cmd.int.y);
    frame = cmd.int.frame;
  } else {
    if (!Number.isFinite(p[4]) || !Number.isFinite(p[5]) || (p[4] === 0 && p[5] === 0)) return undefined;
    latDeg = p[4];
    lonDeg = p[5];
  }
  const { eM, nM } = enuFromLatLon(host.home, latDeg, lonDeg);
  const alt = p[6];
  let upM = host.currentUpM();
  if (Number.isFinite(alt)) {
    upM = frame === FRAME.GLOBAL || frame === FRAME.GLOBAL_INT ? alt - host.home.altAmslM : alt;
  }
  return { eM, nM, upM };
}

export class CommandHandler {
  private last: { key: string; result: number; atMs: number } | undefined;

  constructor(
    private readonly host: CommandHost,
    private readonly now: () => number,
  ) {}

  handle(cmd: CommandIn, link: SimLink, peer: string | undefined): CommandOutcome {
    const forced = this.host.forcedResult(cmd.command);
    if (forced !== undefined) return { result: forced };
    const key = `${cmd.fromSysid}/${cmd.fromCompid}/${cmd.command}/${cmd.params.join(',')}/${cmd.int ? `${cmd.int.x},${cmd.int.y}` : ''}`;
    const now = this.now();
    if (cmd.confirmation > 0 && this.last && this.last.key === key && now - this.last.atMs < 3000) {
      return { result: this.last.result };
    }
    const out = this.execute(cmd, link, peer);
    this.last = { key, result: out.result, atMs: now };
    return out;
  }

  private execute(cmd: CommandIn, link: SimLink, peer: string | undefined): CommandOutcome {
    const h = this.host;
    const p = cmd.params;
    switch (cmd.command) {
      case C.COMPONENT_ARM_DISARM: {
        const force = Math.round(p[1]) === 21196;
        return { result: p[0] === 1 ? h.arm(force) : p[0] === 0 ? h.disarm(force) : R.DENIED };
      }
      case C.DO_SET_MODE: {
        if ((Math.round(p[0]) & minimal.MavModeFlag.CUSTOM_MODE_ENABLED) === 0) return { result: R.DENIED };
        return { result: h.setMode(Math.round(p[1])) };
      }
      case C.NAV_TAKEOFF:
        return { result: h.takeoff(p[6]) };
      case C.NAV_LAND:
        return { result: h.setMode(Mode.LAND) };
      case C.NAV_RETURN_TO_LAUNCH:
        return { result: h.setMode(Mode.RTL) };
      case C.DO_REPOSITION: {
        const loc = location(h, cmd);
        if (!loc) return { result: R.DENIED };
        const changeMode = (Math.round(p[1]) & 1) !== 0;
        if (h.mode !== Mode.GUIDED) {
          if (!changeMode) return { result: R.DENIED };
          const r = h.setMode(Mode.GUIDED);
          if (r !== R.ACCEPTED) return { result: r };
        }
        return { result: h.gotoEnu(loc.eM, loc.nM, loc.upM, p[0] > 0 ? p[0] : undefined) };
      }
      case C.DO_CHANGE_SPEED:
        return { result: p[1] > 0 ? h.setSpeed(p[1]) : R.DENIED };
      case C.DO_PAUSE_CONTINUE:
        return { result: h.pauseContinue(p[0] === 0) };
      case C.DO_SET_ROI_LOCATION: {
        const loc = location(h, cmd);
        h.setRoi(loc ? { eM: loc.eM, nM: loc.nM } : undefined);
        return { result: R.ACCEPTED };
      }
      case C.DO_SET_ROI_NONE:
        h.setRoi(undefined);
        return { result: R.ACCEPTED };
      case C.DO_MOUNT_CONTROL:
        h.setGimbal(p[0], p[2]);
        return { result: R.ACCEPTED };
      case C.DO_GIMBAL_MANAGER_PITCHYAW:
        h.setGimbal(Number.isFinite(p[0]) ? p[0] : 0, Number.isFinite(p[1]) ? p[1] : 0);
        return { result: R.ACCEPTED };
      case C.PREFLIGHT_REBOOT_SHUTDOWN:
        return p[0] === 1 ? { result: h.reboot() } : { result: R.UNSUPPORTED };
      case C.SET_MESSAGE_INTERVAL:
        return { result: link.setMessageInterval(Math.round(p[0]), p[1]) ? R.ACCEPTED : R.FAILED };
      case C.REQUEST_MESSAGE:
        return this.requestMessage(link, peer, Math.round(p[0]));
      case C.REQUEST_AUTOPILOT_CAPABILITIES:
        return p[0] === 1 ? this.requestMessage(link, peer, MSG.AUTOPILOT_VERSION) : { result: R.ACCEPTED };
      case C.GET_HOME_POSITION:
        return this.requestMessage(link, peer, MSG.HOME_POSITION);
      case C.MISSION_START:
        return { result: h.missionStart ? h.missionStart(Math.round(p[0]), Math.round(p[1])) : R.UNSUPPORTED };
      case C.DO_SET_MISSION_CURRENT:
        return { result: h.setMissionCurrent ? h.setMissionCurrent(Math.round(p[0])) : R.UNSUPPORTED };
      // Everything else is UNSUPPORTED, as ArduCopter answers a command it has no handler for — MAV_CMD_DO_ORBIT
      // among them (ArduPilot PR #32434, which would add it to GUIDED, is still open).
      default:
        return { result: R.UNSUPPORTED };
    }
  }

  private requestMessage(link: SimLink, peer: string | undefined, msgid: number): CommandOutcome {
    // ArduCopter 4.6+ knows the camera messages (AP_Camera is built in): ACCEPTED, then one message per
    // configured camera backend (CAMn_TYPE) — none here, so nothing follows. A camera component answers for itself.
    if (AP_CAMERA_MESSAGES.has(msgid)) return { result: R.ACCEPTED };
    if (!this.host.canSendMessage(msgid)) return { result: R.FAILED };
    return { result: R.ACCEPTED, after: () => this.host.sendMessageNow(link, msgid, peer) };
  }
}
