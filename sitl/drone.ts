/**
 * SimDrone: the autopilot side of one simulated ArduCopter 4.7 patrol drone.
 *
 * It attaches to one or more MavConnections (links) and behaves as the captures show: HEARTBEAT at 1 Hz
 * from power-on, nothing else until the GCS asks (REQUEST_DATA_STREAM, SET_MESSAGE_INTERVAL,
 * REQUEST_MESSAGE); STATUSTEXT only on links the GCS has spoken on (and on all links in the first seconds
 * of boot); a slow boot (position after ~41 s); ArduCopter modes, arming rules and failsafes.
 *
 *   power-on ──► BOOT ──(ready 2.35 s)──► STANDBY ──(origin ~20 s)──► armable in STABILIZE
 *        ──(EKF uses GPS ~41 s)──► armable in GUIDED ──arm──► armed ──takeoff──► ACTIVE ──land──► disarmed
 *   reboot: ACK, silence for REBOOT_SILENCE_MS, then power-on again.
 *
 * Time comes from the injected clock; randomness from the seed. See ASSUMPTIONS.md for sources.
 */
import { common, minimal } from 'mavlink-mappings';
import type { Clock, TimerId } from '../common/clock.js';
import type { MavConnection, Received } from '../mavlink/connection.js';
import { make, type MavLinkData } from '../mavlink/codec/messages.js';
import { Battery } from './battery.js';
import { SimCamera } from './camera.js';
import { BOOT_TEXT_ALL_LINKS_MS, CAPTURED_WARMUP_MS, bootArmRefusals, bootTimeline } from './boot.js';
import { CommandHandler, type CommandHost } from './commands.js';
import { Failsafes } from './failsafes.js';
import { BootHealth } from './health.js';
import { handleIncoming } from './incoming.js';
import { patrolParams, type SimDroneOptions } from './drone-options.js';
import { FaultSet } from './faults.js';
import type { Home } from './geo.js';
import { MSG, SimLink } from './link.js';
import { MissionAuto } from './mission-auto.js';
import { MissionServer } from './mission-server.js';
import { FlightController, Mode, MODE_NAMES, POSITION_MODES } from './modes.js';
import type { RadioModel } from './ftp-server.js';
import { FileServices } from './ftp-services.js';
import { serveMissionFiles } from './ftp-mission.js';
import { ParamServer } from './param-server.js';
import { ParamStore } from './params.js';
import { CopterPhysics } from './physics.js';
import { Prng } from './prng.js';
import type { SigningStorage } from './signing-storage.js';
import { buildMessage, type TelemetryPhase, type TelemetrySource } from './telemetry.js';

const R = common.MavResult;
const S = common.MavSeverity;
const F = minimal.MavModeFlag;

export type { SimDroneOptions } from './drone-options.js';

export const TICK_MS = 50;
export const REBOOT_SILENCE_MS = 3000;

export class SimDrone implements TelemetrySource, CommandHost {
  readonly clock: Clock;
  readonly sysid: number;
  readonly compid: number;
  readonly home: Home;
  readonly params: ParamStore;
  readonly physics: CopterPhysics;
  readonly battery: Battery;
  readonly faults: FaultSet;
  readonly nav: FlightController;
  readonly failsafes: Failsafes;
  readonly health: BootHealth;
  readonly gimbal = { pitchDeg: 0, yawDeg: 0 };
  readonly links: SimLink[] = [];
  /**
   * The radio as the autopilot sees it (SERIALn_BAUD / 10 and flow control): the parameter list and MAVFTP
   * bursts pace themselves by it as ArduPilot does. Unset = a fast link (TCP/USB). Set it with the link.
   */
  radio: RadioModel = {};
  /** MAVFTP (params, logs, files) and the LOG_* protocol (ftp-services.ts). */
  readonly fileServices: FileServices;
  /** The camera component (compid 100) when the drone was given a `videoUri` (camera.ts). */
  readonly camera: SimCamera | undefined;
  /** Mission, fence and rally storage and protocol (mission-server.ts); AUTO execution (mission-auto.ts). */
  readonly missions: MissionServer;
  readonly auto: MissionAuto;
  armed = false;
  /** Why the motors last stopped ('gcs', 'landed', 'auto disarm', 'gcs failsafe', …). */
  lastDisarmReason: string | undefined;
  /** Why the last failsafe mode change happened ('battery low', 'gcs failsafe', 'fence breach', …). */
  lastFailsafeReason: string | undefined;
  private readonly commands: CommandHandler;
  private readonly paramServer: ParamServer;
  private silentUntilMs = 0;
  private tickTimer: TimerId | undefined;
  private timesyncTimer: TimerId | undefined;
  private lastTickMs: number;
  private groundSinceMs: number | undefined;
  private droppedIn = 0;
  private receivedIn = 0;
  private readonly rcModeSwitch: boolean;
  private stopped = false;

  constructor(opts: SimDroneOptions) {
    this.clock = opts.clock;
    this.sysid = opts.sysid ?? 1;
    this.compid = opts.compid ?? 1;
    this.home = { latDeg: opts.home.lat, lonDeg: opts.home.lon, altAmslM: opts.home.altAmslM };
    const seed = opts.seed ?? this.sysid;
    const root = new Prng(seed);
    this.battery = new Battery({ enduranceMin: opts.enduranceMin ?? 55, cruiseMps: opts.cruiseMps ?? 10 });
    this.params = new ParamStore({ MAV_SYSID: this.sysid, BATT_CAPACITY: this.battery.capacityMah, ...patrolParams(opts, this.battery.capacityMah), ...opts.params });
    this.physics = new CopterPhysics(root.fork('wind'), opts.wind);
    this.physics.resetOnGround(0, 0, opts.headingDeg ?? 0);
    this.faults = new FaultSet(this.clock, root.fork('faults'), opts.faults ?? []);
    this.rcModeSwitch = opts.rcModeSwitchAtBoot ?? true;
    this.nav = new FlightController(this);
    this.missions = new MissionServer(this);
    this.auto = new MissionAuto(this, this.missions);
    this.nav.auto = this.auto;
    this.failsafes = new Failsafes(this);
    this.commands = new CommandHandler(this, () => this.clock.now());
    this.paramServer = new ParamServer(this);
    this.fileServices = new FileServices(this);
    serveMissionFiles(this.fileServices.files, this.missions);
    this.health = new BootHealth(this.clock, bootTimeline(opts.warmupMs ?? CAPTURED_WARMUP_MS), this.home.altAmslM, this.faults, {
      text: (sev, t) => this.text(sev, t),
      rcValid: () => {
        if (this.rcModeSwitch && this.mode !== Mode.STABILIZE && !this.armed) this.changeMode(Mode.STABILIZE);
      },
      originSet: () => {
        for (const id of [MSG.GPS_GLOBAL_ORIGIN, MSG.HOME_POSITION]) {
          const m = buildMessage(id, this);
          if (m) this.broadcast(m, true);
        }
      },
    });
    this.camera = opts.videoUri !== undefined ? new SimCamera(this, { ...opts.videoStream, uri: opts.videoUri }) : undefined;
    this.signingStorage = opts.signingStorage;
    // A key given before the last power-off (ArduPilot reads it from storage at boot).
    this.signingKey = opts.signingStorage?.load();
    this.lastTickMs = this.clock.now();
    this.tickTimer = this.clock.setInterval(() => this.tick(), opts.tickMs ?? TICK_MS);
    this.timesyncTimer = this.clock.setInterval(() => this.sendTimesync(), 10_000);
  }

  // ---- links ----

  /** The signing key SETUP_SIGNING gave (undefined: signing off); kept in `signingStorage` when there is one. */
  signingKey: Uint8Array | undefined;
  private readonly signingStorage: SigningStorage | undefined;

  /**
   * SETUP_SIGNING as ArduPilot handles it (GCS_Signing.cpp): refused while armed; otherwise the key is
   * stored and takes effect at once on every link. From then on unsigned frames are dropped without a word
   * (RADIO_STATUS excepted) and what the drone sends is signed; an all-zero key turns signing off. Over a
   * link that already signs, only a SETUP_SIGNING signed with the current key arrives here at all.
   */
  setupSigning(m: common.SetupSigning): void {
    if (this.armed) {
      this.text(common.MavSeverity.ERROR, "ERROR: Won't setup signing when armed");
      return;
    }
    const key = Uint8Array.from(m.secretKey.slice(0, 32));
    const off = key.length < 32 || key.every((b) => b === 0);
    this.signingKey = off ? undefined : key;
    this.signingStorage?.save(this.signingKey);
    const initial = Number(m.initialTimestamp);
    this.links.forEach((l, i) => l.connection.setSigning(off ? undefined : { key, linkId: i & 0xff, unsigned: 'reject' }, Number.isFinite(initial) ? initial : 0));
  }

  /** Serve a connection (already opened or not). Returns a function that detaches it. */
  attach(connection: MavConnection): () => void {
    const link = new SimLink(connection, this.clock, (l, msgid) => this.emitScheduled(l, msgid));
    // A key set by SETUP_SIGNING is kept (ArduPilot stores it) and applies to every link, new ones too.
    if (this.signingKey) connection.setSigning({ key: this.signingKey, linkId: this.links.length & 0xff, unsigned: 'reject' });
    this.links.push(link);
    const off = connection.onMessage((rx) => this.receive(link, rx));
    link.start();
    return () => {
      off();
      link.stop();
      const i = this.links.indexOf(link);
      if (i >= 0) this.links.splice(i, 1);
    };
  }

  /** Stop all timers (end of a test or of the simulator). */
  stop(): void {
    this.stopped = true;
    if (this.tickTimer !== undefined) this.clock.clearInterval(this.tickTimer);
    if (this.timesyncTimer !== undefined) this.clock.clearInterval(this.timesyncTimer);
    this.missions.stop();
    this.paramServer.stop();
    this.fileServices.stop();
    this.camera?.stop();
    for (const l of this.links) l.stop();
  }

  get rebooting(): boolean {
    return this.clock.now() < this.silentUntilMs;
  }

  /** Send on one link through the fault rules. */
  sendOn(link: SimLink, msg: MavLinkData, peer?: string): void {
    if (this.stopped || this.rebooting) return;
    const msgid = (msg.constructor as unknown as { MSG_ID: number }).MSG_ID;
    const d = this.faults.outgoing(msgid);
    if (d.drop) return;
    if (d.delayMs > 0) {
      this.clock.setTimeout(() => {
        if (!this.stopped) link.connection.send(msg, peer);
      }, d.delayMs);
    } else {
      link.connection.send(msg, peer);
    }
  }

  /**
   * Send as another component of this system (the camera) through the link fault rules. Not silenced by an
   * autopilot reboot: the camera runs on the companion computer.
   */
  sendAsComponent(link: SimLink, msg: MavLinkData, compid: number, peer?: string): void {
    if (this.stopped) return;
    const msgid = (msg.constructor as unknown as { MSG_ID: number }).MSG_ID;
    const d = this.faults.outgoing(msgid);
    if (d.drop) return;
    if (d.delayMs > 0) {
      this.clock.setTimeout(() => {
        if (!this.stopped) link.connection.sendAs(msg, this.sysid, compid, peer);
      }, d.delayMs);
    } else {
      link.connection.sendAs(msg, this.sysid, compid, peer);
    }
  }

  /** Send on every link (HEARTBEAT after a mode change, PARAM_VALUE announcements). */
  broadcast(msg: MavLinkData, activeOnly = false): void {
    for (const l of this.links) if (!activeOnly || l.active) this.sendOn(l, msg);
  }

  /** STATUSTEXT, to links the GCS has spoken on (every link during the first seconds of boot). */
  text(severity: number, text: string): void {
    const all = this.sinceBootMs() < BOOT_TEXT_ALL_LINKS_MS;
    const msg = make(common.StatusText, { severity, text: text.slice(0, 50), id: 0, chunkSeq: 0 });
    for (const l of this.links) if (all || l.active) this.sendOn(l, msg);
  }

  private emitScheduled(link: SimLink, msgid: number): void {
    const msg = buildMessage(msgid, this);
    if (msg) this.sendOn(link, msg);
  }

  private sendTimesync(): void {
    const ns = BigInt(Math.round(this.clock.now() * 1e6));
    this.broadcast(make(common.TimeSync, { tc1: 0n, ts1: ns, targetSystem: 0, targetComponent: 0 }), true);
  }

  private receive(link: SimLink, rx: Received): void {
    if (this.stopped) return;
    if (this.rebooting) {
      // The camera shares the link and keeps listening while the autopilot reboots.
      this.camera?.receive(link, rx);
      return;
    }
    this.receivedIn++;
    if (this.faults.incoming(rx.frame.msgid)) {
      this.droppedIn++;
      return;
    }
    this.camera?.receive(link, rx);
    if (!link.active) {
      link.active = true;
      // As captured: once, right after the GCS's first packet on the link.
      for (const id of [MSG.SYS_STATUS, MSG.GPS_GLOBAL_ORIGIN, MSG.HOME_POSITION]) {
        const m = buildMessage(id, this);
        if (m) this.sendOn(link, m, rx.peer);
      }
    }
    handleIncoming(this, link, rx, this.commands, this.paramServer);
  }

  // ---- time and phase ----

  sinceBootMs(): number {
    return this.health.sinceBootMs();
  }

  timeBootMs(): number {
    return this.health.sinceBootMs();
  }

  phase(): TelemetryPhase {
    return this.health.phase();
  }

  positionOk(): boolean {
    return this.phase().position;
  }

  get mode(): number {
    return this.nav.mode;
  }

  get flying(): boolean {
    return this.armed && !this.physics.state.onGround;
  }

  currentUpM(): number {
    return this.physics.state.upM;
  }

  systemStatus(): number {
    const St = minimal.MavState;
    if (!this.phase().ready) return St.BOOT;
    if (this.failsafes.any) return St.CRITICAL;
    return this.flying ? St.ACTIVE : St.STANDBY;
  }

  baseMode(): number {
    let m = F.CUSTOM_MODE_ENABLED | F.STABILIZE_ENABLED | F.MANUAL_INPUT_ENABLED;
    if (this.mode === Mode.GUIDED || (this.armed && POSITION_MODES.has(this.mode))) m |= F.GUIDED_ENABLED;
    if (this.armed) m |= F.SAFETY_ARMED;
    return m;
  }

  landedState(): number {
    const L = common.MavLandedState;
    if (!this.armed || (this.physics.state.onGround && !this.nav.takingOff)) return L.ON_GROUND;
    if (this.nav.takingOff) return L.TAKEOFF;
    if (this.nav.landing) return L.LANDING;
    return L.IN_AIR;
  }

  throttlePct(): number {
    if (!this.armed) return 0;
    if (this.physics.state.onGround) return 9;
    return Math.round(38 + 4 * (this.physics.state.vuMps / 2.5) + 2 * (this.physics.airSpeedMps / 10));
  }

  batteryFailsafe(): 0 | 1 | 2 {
    return this.failsafes.battery;
  }

  missionCurrent(): MavLinkData {
    return this.missions.missionCurrent();
  }

  dropRateComm(): number {
    return this.receivedIn === 0 ? 0 : Math.round((this.droppedIn / this.receivedIn) * 10000);
  }

  forcedResult(command: number): number | undefined {
    return this.faults.commandResult(command);
  }

  // ---- the tick ----

  private tick(): void {
    const now = this.clock.now();
    const dtS = Math.max(0, (now - this.lastTickMs) / 1000);
    this.lastTickMs = now;
    if (this.rebooting) return;
    this.health.update();
    this.nav.update();
    this.physics.step(dtS);
    const s = this.physics.state;
    this.battery.step(dtS, { armed: this.armed, flying: !s.onGround, airspeedMps: this.physics.airSpeedMps, climbMps: s.vuMps }, this.faults.batterySag());
    this.failsafes.check();
    this.autoDisarm(now);
    this.health.prearmReport(this.armed, this.prearmFailures().at(-1));
  }

  private autoDisarm(now: number): void {
    const onGround = this.armed && this.physics.state.onGround && !this.nav.takingOff;
    if (!onGround) {
      this.groundSinceMs = undefined;
      return;
    }
    this.groundSinceMs ??= now;
    const delayS = this.params.get('DISARM_DELAY');
    if (delayS > 0 && now - this.groundSinceMs >= delayS * 1000) this.disarmNow('auto disarm');
  }

  /** Failing pre-arm checks now (a fault's first, then the boot ones). */
  private prearmFailures(): string[] {
    const fault = this.faults.prearmFailure();
    const needsPosition = POSITION_MODES.has(this.mode);
    const boot = bootArmRefusals(this.sinceBootMs(), this.health.timeline, needsPosition);
    // After boot, a lost position (GPS gone) refuses arming the same way.
    if (boot.length === 0 && needsPosition && !this.positionOk()) boot.push('Need Position Estimate');
    return fault ? [fault, ...boot] : boot;
  }

  // ---- arming and modes (CommandHost) ----

  arm(force: boolean): number {
    if (this.armed) return R.ACCEPTED;
    const refusals = this.prearmFailures();
    // AUTO is armable only with AUTO_OPTIONS bit 0 (allow arming).
    if (this.mode === Mode.AUTO && (this.params.get('AUTO_OPTIONS') & 1) === 0) refusals.push('Mode not armable');
    if (refusals.length > 0 && !force) {
      for (const r of refusals) this.text(S.CRITICAL, `Arm: ${r}`);
      return R.FAILED;
    }
    this.armed = true;
    this.groundSinceMs = undefined;
    this.failsafes.battery = 0;
    this.text(S.INFO, 'Arming motors');
    // AUTO_OPTIONS bit 1: take off in AUTO without raising the throttle.
    if (this.mode === Mode.AUTO && (this.params.get('AUTO_OPTIONS') & 2) !== 0) this.auto.autoArmed = true;
    this.nav.enter(this.mode);
    const home = buildMessage(MSG.HOME_POSITION, this);
    if (home) this.broadcast(home, true);
    this.sendHeartbeatNow();
    return R.ACCEPTED;
  }

  disarm(force: boolean): number {
    if (!this.armed) return R.ACCEPTED;
    if (this.flying && !force) return R.FAILED;
    this.disarmNow('gcs');
    return R.ACCEPTED;
  }

  /** Disarm for an internal reason (landed, auto-disarm, failsafe). FlightContext/FailsafeContext. */
  disarmNow(reason: string): void {
    if (!this.armed) return;
    this.lastDisarmReason = reason;
    this.armed = false;
    this.physics.motorsOn = false;
    this.nav.onDisarm();
    this.auto.onDisarm();
    this.text(S.INFO, 'Disarming motors');
    this.sendHeartbeatNow();
  }

  setMode(mode: number): number {
    if (!(mode in MODE_NAMES)) return R.FAILED;
    if (this.armed && POSITION_MODES.has(mode) && !this.positionOk()) {
      this.text(S.WARNING, `Mode change to ${MODE_NAMES[mode]} failed: requires position`);
      return R.FAILED;
    }
    if (mode === this.mode && mode !== Mode.GUIDED) return R.ACCEPTED;
    if (mode === Mode.AUTO && this.armed && this.physics.state.onGround && this.auto.firstNavCommand() !== 22) {
      this.text(S.CRITICAL, 'Auto: Missing Takeoff Cmd');
      return R.FAILED;
    }
    this.changeMode(mode);
    return R.ACCEPTED;
  }

  /** MAV_CMD_MISSION_START: AUTO, "auto-armed" (take off from the ground), run from `first` (0: the start). */
  missionStart(first: number, _last: number): number {
    if (!this.auto.hasMission) return R.FAILED;
    const r = this.setMode(Mode.AUTO);
    if (r !== R.ACCEPTED) return r;
    this.auto.autoArmed = true;
    if (first > 0) this.auto.start(first);
    else if (!this.auto.running) this.auto.start(1);
    return R.ACCEPTED;
  }

  setMissionCurrent(seq: number): number {
    // The COMMAND_ACK is the answer; MISSION_CURRENT comes only in its stream (GCS_Common.cpp).
    if (!this.auto.setCurrent(seq)) return R.DENIED;
    return R.ACCEPTED;
  }

  /** Failsafe mode change (FailsafeContext). */
  forceMode(mode: number, reason: string): boolean {
    if (POSITION_MODES.has(mode) && !this.positionOk()) return false;
    this.lastFailsafeReason = reason;
    this.changeMode(mode);
    return true;
  }

  private changeMode(mode: number): void {
    this.nav.enter(mode);
    this.sendHeartbeatNow();
  }

  sendHeartbeatNow(): void {
    this.broadcast(buildMessage(MSG.HEARTBEAT, this)!);
  }

  // ---- navigation commands (CommandHost) ----

  takeoff(altM: number): number {
    if (this.mode !== Mode.GUIDED || !this.armed || !this.physics.state.onGround || !(altM > 0)) return R.FAILED;
    this.nav.takeoff(altM);
    return R.ACCEPTED;
  }

  gotoEnu(eM: number, nM: number, upM: number, speedMps?: number): number {
    if (this.mode !== Mode.GUIDED || !this.positionOk()) return R.FAILED;
    if (speedMps !== undefined) this.nav.speedMps = speedMps;
    this.nav.goto(eM, nM, upM);
    return R.ACCEPTED;
  }

  orbit(eM: number, nM: number, upM: number, radiusM: number, speedMps: number, clockwise: boolean): number {
    if (this.mode !== Mode.GUIDED || !this.positionOk() || !this.flying) return R.FAILED;
    const s = this.physics.state;
    const g = this.nav.guided;
    const centre = Number.isFinite(eM) && Number.isFinite(nM) ? { eM, nM } : g.kind === 'orbit' ? { eM: g.eM, nM: g.nM } : { eM: s.eM, nM: s.nM };
    this.nav.orbit(centre.eM, centre.nM, upM, radiusM, speedMps, clockwise);
    return R.ACCEPTED;
  }

  setSpeed(speedMps: number): number {
    this.nav.speedMps = speedMps;
    return R.ACCEPTED;
  }

  pauseContinue(pause: boolean): number {
    if (!this.flying || (this.mode !== Mode.GUIDED && this.mode !== Mode.AUTO)) return R.FAILED;
    if (pause) this.nav.pause();
    else this.nav.resume();
    return R.ACCEPTED;
  }

  setRoi(roi: { eM: number; nM: number } | undefined): void {
    this.nav.roi = roi;
  }

  setGimbal(pitchDeg: number, yawDeg: number): void {
    if (Number.isFinite(pitchDeg)) this.gimbal.pitchDeg = Math.max(-90, Math.min(30, pitchDeg));
    if (Number.isFinite(yawDeg)) this.gimbal.yawDeg = yawDeg;
  }

  reboot(): number {
    if (this.armed) return R.FAILED;
    // The ACK goes out first; the reboot starts on the next clock turn.
    this.clock.setTimeout(() => this.powerCycle(), 0);
    return R.ACCEPTED;
  }

  private powerCycle(): void {
    this.silentUntilMs = this.clock.now() + REBOOT_SILENCE_MS;
    this.clock.setTimeout(() => {
      this.health.reset();
      this.failsafes.reset();
      this.nav.enter(Mode.STABILIZE);
      for (const l of this.links) l.resetRates();
    }, REBOOT_SILENCE_MS);
  }

  canSendMessage(msgid: number): boolean {
    return buildMessage(msgid, this) !== undefined;
  }

  sendMessageNow(link: SimLink, msgid: number, peer: string | undefined): void {
    const m = buildMessage(msgid, this);
    if (m) this.sendOn(link, m, peer);
  }
}
