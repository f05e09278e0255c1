/**
 * The vehicle command API the UI and the patrol runner use. Every call returns a value, never throws:
 * `{ ok: true, value: { command, mavResult, text } }` or `{ ok: false, code, reason, mavResult?, statusText? }`
 * with an English reason (the UI translates) that quotes the vehicle's own STATUSTEXT for refusals
 * (e.g. "Arm refused (FAILED): Arm: Need Position Estimate").
 *
 * Firmware differences come from the quirks table: ArduPilot takes off from GUIDED, lands/returns by mode,
 * pauses with BRAKE when DO_PAUSE_CONTINUE is refused, repositions with SET_POSITION_TARGET_GLOBAL_INT when
 * DO_REPOSITION is refused, and may drop a mode change made right after boot: `setMode` therefore waits
 * for the heartbeat to show the mode twice in a row and sends again if it reverted.
 */
import { common } from 'mavlink-mappings';
import { sleep } from '../../common/wait.js';
import { encodeMessage, make } from '../../mavlink/codec/messages.js';
import { quirksFor, setModeParams, type Quirks } from '../../mavlink/quirks.js';
import { commandMessage, MAV_RESULT_NAMES, otherForm, type CommandOutcome, type CommandSpec } from '../../mavlink/services/command.js';
import type { StatusTextEntry } from './statustext.js';
import type { VehicleHandle } from './vehicle-types.js';

/** What the command API uses of its vehicle (the Vehicle; tests fake this much). */
export type CommandVehicle = Pick<VehicleHandle, 'sysid' | 'compid' | 'clock' | 'state' | 'run' | 'send' | 'onStatusText' | 'onHeartbeat'>;

export type CommandErrorCode = Exclude<CommandOutcome, 'accepted'> | 'unknown-mode' | 'mode-not-confirmed' | 'bad-argument';
export interface CommandReport { command: string; mavResult: number | undefined; text: string }
export type CommandReply =
  | { ok: true; value: CommandReport }
  | { ok: false; code: CommandErrorCode; reason: string; mavResult?: number; statusText?: string };

export interface CommandsOptions {
  /** After a refusal, wait this long for the STATUSTEXT that explains it. Default 300 ms. */
  refusalTextGraceMs?: number;
  /** How long to watch heartbeats for a mode change. Default 3000 ms. */
  modeConfirmMs?: number;
  /** Resends of DO_SET_MODE when the mode did not stick. Default 2. */
  modeRetries?: number;
}

export const FORCE_ARM_MAGIC = 21196;
const C = common.MavCmd;
/** SET_POSITION_TARGET type_mask: position only (ignore velocity, acceleration, yaw, yaw rate). */
export const POSITION_ONLY_TYPE_MASK = 0b0000_1101_1111_1000;


export class VehicleCommands {
  private pausedFrom: string | undefined;
  private readonly graceMs: number;
  private readonly confirmMs: number;
  private readonly modeRetries: number;

  constructor(private readonly t: CommandVehicle, o: CommandsOptions = {}) {
    this.graceMs = o.refusalTextGraceMs ?? 300;
    this.confirmMs = o.modeConfirmMs ?? 3000;
    this.modeRetries = o.modeRetries ?? 2;
  }

  private get quirks(): Quirks {
    return quirksFor(this.t.state()?.autopilot ?? 0);
  }

  private spec(command: number, params: number[], kind: 'long' | 'int' = 'long'): CommandSpec {
    return { kind, command, params, targetSystem: this.t.sysid, targetComponent: this.t.compid, frame: common.MavFrame.GLOBAL_RELATIVE_ALT_INT };
  }

  /** Run one command; on refusal, find the STATUSTEXT that explains it. */
  private async exec(label: string, spec: CommandSpec): Promise<CommandReply> {
    // The message writer refuses what its fields cannot carry (NaN latitude, a string altitude): say so now,
    // instead of resending a message that is never sent until the command times out.
    const encoded = encodeMessage(commandMessage(spec, 0));
    if (!encoded.ok) return { ok: false, code: 'bad-argument', reason: `${label} not sent: ${encoded.reason}` };
    const texts: StatusTextEntry[] = [];
    const off = this.t.onStatusText((e) => {
      if (e.severity <= common.MavSeverity.WARNING) texts.push(e);
    });
    const startedMs = this.t.clock.now();
    try {
      let r = await this.t.run(spec);
      if ((r.outcome === 'command-long-only' && spec.kind === 'int') || (r.outcome === 'command-int-only' && spec.kind === 'long')) {
        r = await this.t.run(otherForm(spec));
      }
      if (r.outcome === 'accepted') {
        return { ok: true, value: { command: label, mavResult: r.mavResult, text: `${label} accepted` } };
      }
      if (r.mavResult !== undefined && texts.length === 0) await sleep(this.t.clock, this.graceMs);
      let statusText = texts.at(-1)?.text;
      if (statusText === undefined && spec.command === C.COMPONENT_ARM_DISARM) {
        const recent = this.t.state()?.statustext.arming.at(-1);
        if (recent && recent.atMs >= startedMs - 30_000) statusText = recent.text;
      }
      const what = r.outcome === 'timeout' ? `no answer after ${r.attempts} tries` : r.mavResult !== undefined ? `refused (${MAV_RESULT_NAMES[r.mavResult] ?? r.mavResult})` : r.outcome;
      return {
        ok: false,
        code: r.outcome as CommandErrorCode,
        reason: `${label} ${what}${statusText ? `: ${statusText}` : ''}`,
        ...(r.mavResult !== undefined ? { mavResult: r.mavResult } : {}),
        ...(statusText !== undefined ? { statusText } : {}),
      };
    } finally {
      off();
    }
  }

  arm(force = false): Promise<CommandReply> {
    return this.exec('Arm', this.spec(C.COMPONENT_ARM_DISARM, [1, force ? FORCE_ARM_MAGIC : 0]));
  }

  disarm(force = false): Promise<CommandReply> {
    return this.exec('Disarm', this.spec(C.COMPONENT_ARM_DISARM, [0, force ? FORCE_ARM_MAGIC : 0]));
  }

  /**
   * Resolves true when the heartbeat shows `mode` twice in a row (once if the firmware never reverts),
   * false when it shows it and then another mode, or when `confirmMs` passes without that.
   */
  private confirmMode(mode: string): Promise<boolean> {
    const need = this.quirks.modeMayRevert ? 2 : 1;
    return new Promise((resolve) => {
      let seen = 0;
      const finish = (v: boolean): void => {
        off();
        this.t.clock.clearTimeout(timer);
        resolve(v);
      };
      const off = this.t.onHeartbeat((s) => {
        if (s.mode === mode) {
          if (++seen >= need) finish(true);
        } else if (seen > 0) finish(false);
      });
      const timer = this.t.clock.setTimeout(() => finish(false), this.confirmMs);
    });
  }

  async setMode(name: string): Promise<CommandReply> {
    const mode = name.trim().toUpperCase();
    const q = this.quirks;
    const params = setModeParams(q, mode);
    if (!params) return { ok: false, code: 'unknown-mode', reason: `Mode ${mode} does not exist on ${q.firmware}` };
    for (let attempt = 0; attempt <= this.modeRetries; attempt++) {
      const confirmed = this.confirmMode(mode);
      const r = await this.exec(`Mode ${mode}`, this.spec(C.DO_SET_MODE, params));
      if (!r.ok) return r;
      if (await confirmed) return r;
    }
    const now = this.t.state()?.mode ?? 'UNKNOWN';
    return { ok: false, code: 'mode-not-confirmed', reason: `Mode ${mode} was accepted but the vehicle stays in ${now}` };
  }

  async takeoff(altRelM: number, o: { arm?: boolean } = {}): Promise<CommandReply> {
    if (!(altRelM > 0)) return { ok: false, code: 'bad-argument', reason: `Takeoff altitude must be above 0 m, got ${altRelM}` };
    const q = this.quirks;
    if (q.takeoffMode && this.t.state()?.mode !== q.takeoffMode) {
      const m = await this.setMode(q.takeoffMode);
      if (!m.ok) return m;
    }
    if ((o.arm ?? true) && !this.t.state()?.armed) {
      const a = await this.arm();
      if (!a.ok) return a;
    }
    const home = this.t.state()?.home;
    // PX4 takes an AMSL altitude; ArduPilot and the MAVLink default a relative one.
    const alt = q.firmware === 'px4' ? (home ? home.altAmslM + altRelM : NaN) : altRelM;
    return this.exec('Takeoff', this.spec(C.NAV_TAKEOFF, [0, 0, 0, NaN, NaN, NaN, alt]));
  }

  land(): Promise<CommandReply> {
    const q = this.quirks;
    if (q.landMode) return this.setMode(q.landMode);
    return this.exec('Land', this.spec(C.NAV_LAND, [0, 0, 0, NaN, NaN, NaN, NaN]));
  }

  rtl(): Promise<CommandReply> {
    const q = this.quirks;
    if (q.rtlMode) return this.setMode(q.rtlMode);
    return this.exec('Return to launch', this.spec(C.NAV_RETURN_TO_LAUNCH, []));
  }

  async pause(): Promise<CommandReply> {
    const before = this.t.state()?.mode;
    const r = await this.exec('Pause', this.spec(C.DO_PAUSE_CONTINUE, [0]));
    const fallback = this.quirks.pauseFallbackMode;
    if (r.ok || !fallback || r.code === 'timeout') return r;
    const m = await this.setMode(fallback);
    if (m.ok) this.pausedFrom = before;
    return m;
  }

  /** DO_PAUSE_CONTINUE(continue); after a BRAKE fallback pause, back to the mode before it. */
  async continue(): Promise<CommandReply> {
    const r = await this.exec('Continue', this.spec(C.DO_PAUSE_CONTINUE, [1]));
    if (r.ok || r.code === 'timeout' || this.pausedFrom === undefined) return r;
    const back = this.pausedFrom;
    const m = await this.setMode(back);
    if (m.ok) this.pausedFrom = undefined;
    return m;
  }

  async goto(latDeg: number, lonDeg: number, altRelM: number): Promise<CommandReply> {
    const q = this.quirks;
    if (q.guidedMode && this.t.state()?.mode !== q.guidedMode) {
      const m = await this.setMode(q.guidedMode);
      if (!m.ok) return m;
    }
    const latE7 = Math.round(latDeg * 1e7);
    const lonE7 = Math.round(lonDeg * 1e7);
    const flags = 1; // MAV_DO_REPOSITION_FLAGS_CHANGE_MODE
    const r = await this.exec('Go to', this.spec(C.DO_REPOSITION, [-1, flags, 0, NaN, latE7, lonE7, altRelM], 'int'));
    if (r.ok || !q.gotoFallbackPositionTarget || r.code === 'timeout' || r.code === 'bad-argument') return r;
    const sent = this.t.send(
      make(common.SetPositionTargetGlobalInt, {
        timeBootMs: 0,
        targetSystem: this.t.sysid,
        targetComponent: this.t.compid,
        coordinateFrame: common.MavFrame.GLOBAL_RELATIVE_ALT_INT,
        typeMask: POSITION_ONLY_TYPE_MASK as common.PositionTargetTypemask,
        latInt: latE7,
        lonInt: lonE7,
        alt: altRelM,
      }),
    );
    if (sent && typeof sent === 'object' && 'ok' in sent && sent.ok === false) return { ok: false, code: 'bad-argument', reason: `Go to not sent: ${(sent as unknown as { reason: string }).reason}` };
    return { ok: true, value: { command: 'Go to', mavResult: undefined, text: 'Go to sent as SET_POSITION_TARGET_GLOBAL_INT (not acknowledged by the vehicle)' } };
  }

  orbit(latDeg: number, lonDeg: number, radiusM: number, velocityMps: number, altRelM = NaN): Promise<CommandReply> {
    return this.exec('Orbit', this.spec(C.DO_ORBIT, [radiusM, velocityMps, 0, 0, Math.round(latDeg * 1e7), Math.round(lonDeg * 1e7), altRelM], 'int'));
  }

  changeSpeed(groundSpeedMps: number): Promise<CommandReply> {
    return this.exec('Change speed', this.spec(C.DO_CHANGE_SPEED, [1, groundSpeedMps, -1, 0]));
  }

  roi(latDeg: number, lonDeg: number, altRelM: number): Promise<CommandReply> {
    return this.exec('Region of interest', this.spec(C.DO_SET_ROI_LOCATION, [0, 0, 0, 0, Math.round(latDeg * 1e7), Math.round(lonDeg * 1e7), altRelM], 'int'));
  }

  roiNone(): Promise<CommandReply> {
    return this.exec('Clear region of interest', this.spec(C.DO_SET_ROI_NONE, [0]));
  }

  /**
   * Point the gimbal: pitch (negative = down) and yaw relative to the drone's nose, degrees; NaN leaves an axis
   * as it is. MAV_CMD_DO_GIMBAL_MANAGER_PITCHYAW (gimbal protocol v2, flags 0 = yaw follows the vehicle), and
   * MAV_CMD_DO_MOUNT_CONTROL in MAVLink-targeting mode where the autopilot has no gimbal manager.
   */
  async gimbal(pitchDeg: number, yawDeg = NaN): Promise<CommandReply> {
    const r = await this.exec('Gimbal', this.spec(C.DO_GIMBAL_MANAGER_PITCHYAW, [pitchDeg, yawDeg, NaN, NaN, 0, 0, 0]));
    if (r.ok || (r.code !== 'unsupported' && r.code !== 'denied' && r.code !== 'failed')) return r;
    const MAV_MOUNT_MODE_MAVLINK_TARGETING = 2;
    // DO_MOUNT_CONTROL has no "leave as is": an absent axis goes to 0 (level / straight ahead).
    const or0 = (x: number) => (Number.isFinite(x) ? x : 0);
    return this.exec('Gimbal', this.spec(C.DO_MOUNT_CONTROL, [or0(pitchDeg), 0, or0(yawDeg), 0, 0, 0, MAV_MOUNT_MODE_MAVLINK_TARGETING]));
  }

  /** Start recording on the drone's camera (MAV_CMD_VIDEO_START_CAPTURE, all streams, no status messages). */
  videoStartCapture(): Promise<CommandReply> {
    return this.exec('Start recording', this.spec(C.VIDEO_START_CAPTURE, [0, 0]));
  }

  videoStopCapture(): Promise<CommandReply> {
    return this.exec('Stop recording', this.spec(C.VIDEO_STOP_CAPTURE, [0]));
  }

  /** One photo (MAV_CMD_IMAGE_START_CAPTURE: all cameras, interval 0, 1 image, sequence number counting up). */
  takePhoto(): Promise<CommandReply> {
    this.photoSeq++;
    return this.exec('Take photo', this.spec(C.IMAGE_START_CAPTURE, [0, 0, 1, this.photoSeq]));
  }

  /** Zoom as a share of the camera's range, 0–100 % (MAV_CMD_SET_CAMERA_ZOOM, ZOOM_TYPE_RANGE); unsupported where the camera has none. */
  cameraZoom(pct: number): Promise<CommandReply> {
    return this.exec('Camera zoom', this.spec(C.SET_CAMERA_ZOOM, [common.CameraZoomType.RANGE, Math.max(0, Math.min(100, pct))]));
  }

  private photoSeq = 0;

  reboot(): Promise<CommandReply> {
    return this.exec('Reboot', this.spec(C.PREFLIGHT_REBOOT_SHUTDOWN, [1, 0]));
  }
}
