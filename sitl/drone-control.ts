/**
 * What the GCS's commands do to the simulated ArduCopter (drone.ts is the autopilot; commands.ts decodes
 * COMMAND_LONG/INT into these calls): arming with the pre-arm checks and DISARM_DELAY's auto-disarm, mode
 * changes (the GCS's and the failsafes'), MISSION_START and the current item, the GUIDED navigation commands,
 * the gimbal, reboot, and REQUEST_MESSAGE.
 */
import { common } from 'mavlink-mappings';
import type { Clock } from '../common/clock.js';
import type { MavLinkData } from '../mavlink/codec/messages.js';
import { bootArmRefusals } from './boot.js';
import type { CommandHost } from './commands.js';
import type { Failsafes } from './failsafes.js';
import type { FaultSet } from './faults.js';
import type { Home } from './geo.js';
import type { BootHealth } from './health.js';
import { MSG, type SimLink } from './link.js';
import type { MissionAuto } from './mission-auto.js';
import { Mode, MODE_NAMES, POSITION_MODES, type FlightController } from './modes.js';
import type { ParamStore } from './params.js';
import type { CopterPhysics } from './physics.js';
import { buildMessage, type TelemetrySource } from './telemetry.js';

const R = common.MavResult;
const S = common.MavSeverity;

/** What the commands act on (SimDrone is one); declared here so this file does not import drone.ts. */
export interface ControlHost extends TelemetrySource {
  readonly clock: Clock;
  readonly home: Home;
  readonly params: Pick<ParamStore, 'get'>;
  readonly physics: CopterPhysics;
  readonly nav: FlightController;
  readonly auto: MissionAuto;
  readonly failsafes: Pick<Failsafes, 'battery'>;
  readonly faults: Pick<FaultSet, 'prearmFailure' | 'commandResult'>;
  readonly health: Pick<BootHealth, 'timeline'>;
  readonly gimbal: { pitchDeg: number; yawDeg: number };
  armed: boolean;
  lastDisarmReason: string | undefined;
  lastFailsafeReason: string | undefined;
  readonly mode: number;
  readonly flying: boolean;
  positionOk(): boolean;
  sinceBootMs(): number;
  text(severity: number, text: string): void;
  broadcast(msg: MavLinkData, activeOnly?: boolean): void;
  sendOn(link: SimLink, msg: MavLinkData, peer?: string): void;
  /** Silence, then boot again (the reboot's second half, after the ACK has gone out). */
  powerCycle(): void;
}

export class DroneControl implements CommandHost {
  private groundSinceMs: number | undefined;

  constructor(private readonly host: ControlHost) {}

  get home(): Home {
    return this.host.home;
  }

  get armed(): boolean {
    return this.host.armed;
  }

  get mode(): number {
    return this.host.mode;
  }

  get flying(): boolean {
    return this.host.flying;
  }

  positionOk(): boolean {
    return this.host.positionOk();
  }

  currentUpM(): number {
    return this.host.physics.state.upM;
  }

  forcedResult(command: number): number | undefined {
    return this.host.faults.commandResult(command);
  }

  /** DISARM_DELAY: disarm after that long on the ground, armed (each tick). */
  autoDisarm(now: number): void {
    const onGround = this.host.armed && this.host.physics.state.onGround && !this.host.nav.takingOff;
    if (!onGround) {
      this.groundSinceMs = undefined;
      return;
    }
    this.groundSinceMs ??= now;
    const delayS = this.host.params.get('DISARM_DELAY');
    if (delayS > 0 && now - this.groundSinceMs >= delayS * 1000) this.disarmNow('auto disarm');
  }

  /** Failing pre-arm checks now (a fault's first, then the boot ones). */
  prearmFailures(): string[] {
    const fault = this.host.faults.prearmFailure();
    const needsPosition = POSITION_MODES.has(this.host.mode);
    const boot = bootArmRefusals(this.host.sinceBootMs(), this.host.health.timeline, needsPosition);
    // After boot, a lost position (GPS gone) refuses arming the same way.
    if (boot.length === 0 && needsPosition && !this.host.positionOk()) boot.push('Need Position Estimate');
    return fault ? [fault, ...boot] : boot;
  }

  // ---- arming and modes ----

  arm(force: boolean): number {
    if (this.host.armed) return R.ACCEPTED;
    const refusals = this.prearmFailures();
    // AUTO is armable only with AUTO_OPTIONS bit 0 (allow arming).
    if (this.host.mode === Mode.AUTO && (this.host.params.get('AUTO_OPTIONS') & 1) === 0) refusals.push('Mode not armable');
    if (refusals.length > 0 && !force) {
      for (const r of refusals) this.host.text(S.CRITICAL, `Arm: ${r}`);
      return R.FAILED;
    }
    this.host.armed = true;
    this.groundSinceMs = undefined;
    this.host.failsafes.battery = 0;
    this.host.text(S.INFO, 'Arming motors');
    // AUTO_OPTIONS bit 1: take off in AUTO without raising the throttle.
    if (this.host.mode === Mode.AUTO && (this.host.params.get('AUTO_OPTIONS') & 2) !== 0) this.host.auto.autoArmed = true;
    this.host.nav.enter(this.host.mode);
    const home = buildMessage(MSG.HOME_POSITION, this.host);
    if (home) this.host.broadcast(home, true);
    this.sendHeartbeatNow();
    return R.ACCEPTED;
  }

  disarm(force: boolean): number {
    if (!this.host.armed) return R.ACCEPTED;
    if (this.host.flying && !force) return R.FAILED;
    this.disarmNow('gcs');
    return R.ACCEPTED;
  }

  /** Disarm for an internal reason (landed, auto-disarm, failsafe). FlightContext/FailsafeContext. */
  disarmNow(reason: string): void {
    if (!this.host.armed) return;
    this.host.lastDisarmReason = reason;
    this.host.armed = false;
    this.host.physics.motorsOn = false;
    this.host.nav.onDisarm();
    this.host.auto.onDisarm();
    this.host.text(S.INFO, 'Disarming motors');
    this.sendHeartbeatNow();
  }

  setMode(mode: number): number {
    if (!(mode in MODE_NAMES)) return R.FAILED;
    if (this.host.armed && POSITION_MODES.has(mode) && !this.host.positionOk()) {
      this.host.text(S.WARNING, `Mode change to ${MODE_NAMES[mode]} failed: requires position`);
      return R.FAILED;
    }
    if (mode === this.host.mode && mode !== Mode.GUIDED) return R.ACCEPTED;
    if (mode === Mode.AUTO && this.host.armed && this.host.physics.state.onGround && this.host.auto.firstNavCommand() !== 22) {
      this.host.text(S.CRITICAL, 'Auto: Missing Takeoff Cmd');
      return R.FAILED;
    }
    this.changeMode(mode);
    return R.ACCEPTED;
  }

  /** MAV_CMD_MISSION_START: AUTO, "auto-armed" (take off from the ground), run from `first` (0: the start). */
  missionStart(first: number, _last: number): number {
    if (!this.host.auto.hasMission) return R.FAILED;
    const r = this.setMode(Mode.AUTO);
    if (r !== R.ACCEPTED) return r;
    this.host.auto.autoArmed = true;
    if (first > 0) this.host.auto.start(first);
    else if (!this.host.auto.running) this.host.auto.start(1);
    return R.ACCEPTED;
  }

  setMissionCurrent(seq: number): number {
    // The COMMAND_ACK is the answer; MISSION_CURRENT comes only in its stream (GCS_Common.cpp).
    if (!this.host.auto.setCurrent(seq)) return R.DENIED;
    return R.ACCEPTED;
  }

  /** Failsafe mode change (FailsafeContext). */
  forceMode(mode: number, reason: string): boolean {
    if (POSITION_MODES.has(mode) && !this.host.positionOk()) return false;
    this.host.lastFailsafeReason = reason;
    this.changeMode(mode);
    return true;
  }

  /** Enter a mode and say so at once (HEARTBEAT). */
  changeMode(mode: number): void {
    this.host.nav.enter(mode);
    this.sendHeartbeatNow();
  }

  sendHeartbeatNow(): void {
    this.host.broadcast(buildMessage(MSG.HEARTBEAT, this.host)!);
  }

  // ---- navigation commands ----

  takeoff(altM: number): number {
    if (this.host.mode !== Mode.GUIDED || !this.host.armed || !this.host.physics.state.onGround || !(altM > 0)) return R.FAILED;
    this.host.nav.takeoff(altM);
    return R.ACCEPTED;
  }

  gotoEnu(eM: number, nM: number, upM: number, speedMps?: number): number {
    if (this.host.mode !== Mode.GUIDED || !this.host.positionOk()) return R.FAILED;
    if (speedMps !== undefined) this.host.nav.speedMps = speedMps;
    this.host.nav.goto(eM, nM, upM);
    return R.ACCEPTED;
  }

  setSpeed(speedMps: number): number {
    this.host.nav.speedMps = speedMps;
    return R.ACCEPTED;
  }

  pauseContinue(pause: boolean): number {
    if (!this.host.flying || (this.host.mode !== Mode.GUIDED && this.host.mode !== Mode.AUTO)) return R.FAILED;
    if (pause) this.host.nav.pause();
    else this.host.nav.resume();
    return R.ACCEPTED;
  }

  setRoi(roi: { eM: number; nM: number } | undefined): void {
    this.host.nav.roi = roi;
  }

  setGimbal(pitchDeg: number, yawDeg: number): void {
    if (Number.isFinite(pitchDeg)) this.host.gimbal.pitchDeg = Math.max(-90, Math.min(30, pitchDeg));
    if (Number.isFinite(yawDeg)) this.host.gimbal.yawDeg = yawDeg;
  }

  reboot(): number {
    if (this.host.armed) return R.FAILED;
    // The ACK goes out first; the reboot starts on the next clock turn.
    this.host.clock.setTimeout(() => this.host.powerCycle(), 0);
    return R.ACCEPTED;
  }

  canSendMessage(msgid: number): boolean {
    return buildMessage(msgid, this.host) !== undefined;
  }

  sendMessageNow(link: SimLink, msgid: number, peer: string | undefined): void {
    const m = buildMessage(msgid, this.host);
    if (m) this.host.sendOn(link, m, peer);
  }
}
