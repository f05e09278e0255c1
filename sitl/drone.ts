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
 * Time comes from the injected clock; randomness from the seed. See ASSUMPTIONS.md for sources. Its links (attach,
 * signing, sending through the fault rules, receiving) are drone-links.ts; what the GCS's commands do (arming,
 * modes, GUIDED navigation, reboot) is drone-control.ts.
 */
import { common, minimal } from 'mavlink-mappings';
import type { Clock, TimerId } from '../common/clock.js';
import type { MavConnection, Received } from '../mavlink/connection.js';
import type { MavLinkData } from '../mavlink/codec/messages.js';
import { Battery } from './battery.js';
import { SimCamera } from './camera.js';
import { CAPTURED_WARMUP_MS, bootTimeline } from './boot.js';
import { CommandHandler } from './commands.js';
import { DroneControl } from './drone-control.js';
import { Failsafes } from './failsafes.js';
import { BootHealth } from './health.js';
import { handleIncoming } from './incoming.js';
import { patrolParams, type SimDroneOptions } from './drone-options.js';
import { FaultSet } from './faults.js';
import type { Home } from './geo.js';
import { DroneLinks } from './drone-links.js';
import { MSG, type SimLink } from './link.js';
import { MissionAuto } from './mission-auto.js';
import { MissionServer } from './mission-server.js';
import { FlightController, Mode, POSITION_MODES } from './modes.js';
import type { RadioModel } from './ftp-server.js';
import { FileServices } from './ftp-services.js';
import { serveMissionFiles } from './ftp-mission.js';
import { ParamServer } from './param-server.js';
import { ParamStore } from './params.js';
import { CopterPhysics } from './physics.js';
import { Prng } from './prng.js';
import { buildMessage, type TelemetryPhase, type TelemetrySource } from './telemetry.js';

const F = minimal.MavModeFlag;

export type { SimDroneOptions } from './drone-options.js';

export const TICK_MS = 50;
export const REBOOT_SILENCE_MS = 3000;

export class SimDrone implements TelemetrySource {
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
  /** The links: attach, signing, sending through the fault rules, receiving (drone-links.ts). */
  readonly io: DroneLinks;
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
  /** What the GCS's commands do: arming, modes, GUIDED navigation, reboot (drone-control.ts). */
  readonly control: DroneControl;
  private readonly commands: CommandHandler;
  private readonly paramServer: ParamServer;
  private silentUntilMs = 0;
  private tickTimer: TimerId | undefined;
  private timesyncTimer: TimerId | undefined;
  private lastTickMs: number;
  private readonly rcModeSwitch: boolean;

  constructor(opts: SimDroneOptions) {
    this.clock = opts.clock;
    this.sysid = opts.sysid ?? 1;
    this.compid = opts.compid ?? 1;
    this.home = { latDeg: opts.home.lat, lonDeg: opts.home.lon, altAmslM: opts.home.altAmslM };
    const seed = opts.seed ?? this.sysid;
    const root = new Prng(seed);
    this.battery = new Battery({ enduranceMin: opts.enduranceMin ?? 55, cruiseMps: opts.cruiseMps ?? 10 });
    this.params = new ParamStore({ MAV_SYSID: this.sysid, BATT_CAPACITY: this.battery.capacityMah, ...patrolParams(opts, this.battery.capacityMah), ...opts.params });
    // The remaining % is the autopilot's, from BATT_CAPACITY (given at creation or set later), as ArduPilot's is.
    this.battery.ratedMah = this.params.get('BATT_CAPACITY');
    this.params.onChange((name, value) => {
      if (name === 'BATT_CAPACITY') this.battery.ratedMah = value;
    });
    this.physics = new CopterPhysics(root.fork('wind'), opts.wind);
    this.physics.resetOnGround(0, 0, opts.headingDeg ?? 0);
    this.faults = new FaultSet(this.clock, root.fork('faults'), opts.faults ?? []);
    this.rcModeSwitch = opts.rcModeSwitchAtBoot ?? true;
    this.io = new DroneLinks(this, opts.signingStorage);
    this.nav = new FlightController(this);
    this.missions = new MissionServer(this);
    this.auto = new MissionAuto(this, this.missions);
    this.nav.auto = this.auto;
    this.failsafes = new Failsafes(this);
    this.control = new DroneControl(this);
    this.commands = new CommandHandler(this.control, () => this.clock.now());
    this.paramServer = new ParamServer(this);
    this.fileServices = new FileServices(this);
    serveMissionFiles(this.fileServices.files, this.missions);
    this.health = new BootHealth(this.clock, bootTimeline(opts.warmupMs ?? CAPTURED_WARMUP_MS), this.home.altAmslM, this.faults, {
      text: (sev, t) => this.text(sev, t),
      rcValid: () => {
        if (this.rcModeSwitch && this.mode !== Mode.STABILIZE && !this.armed) this.control.changeMode(Mode.STABILIZE);
      },
      originSet: () => {
        for (const id of [MSG.GPS_GLOBAL_ORIGIN, MSG.HOME_POSITION]) {
          const m = buildMessage(id, this);
          if (m) this.broadcast(m, true);
        }
      },
    });
    this.camera = opts.videoUri !== undefined ? new SimCamera(this, { ...opts.videoStream, uri: opts.videoUri }) : undefined;
    this.lastTickMs = this.clock.now();
    this.tickTimer = this.clock.setInterval(() => this.tick(), opts.tickMs ?? TICK_MS);
    this.timesyncTimer = this.clock.setInterval(() => this.io.sendTimesync(), 10_000);
  }

  // ---- links (drone-links.ts) ----

  get links(): SimLink[] {
    return this.io.links;
  }

  /** The signing key SETUP_SIGNING gave (undefined: signing off). */
  get signingKey(): Uint8Array | undefined {
    return this.io.signingKey;
  }

  setupSigning(m: common.SetupSigning): void {
    this.io.setupSigning(m);
  }

  /** Serve a connection (already opened or not). Returns a function that detaches it. */
  attach(connection: MavConnection): () => void {
    return this.io.attach(connection);
  }

  /** Stop all timers (end of a test or of the simulator). */
  stop(): void {
    this.io.stop();
    if (this.tickTimer !== undefined) this.clock.clearInterval(this.tickTimer);
    if (this.timesyncTimer !== undefined) this.clock.clearInterval(this.timesyncTimer);
    this.missions.stop();
    this.paramServer.stop();
    this.fileServices.stop();
    this.camera?.stop();
  }

  get rebooting(): boolean {
    return this.clock.now() < this.silentUntilMs;
  }

  sendOn(link: SimLink, msg: MavLinkData, peer?: string): void {
    this.io.sendOn(link, msg, peer);
  }

  sendAsComponent(link: SimLink, msg: MavLinkData, compid: number, peer?: string): void {
    this.io.sendAsComponent(link, msg, compid, peer);
  }

  broadcast(msg: MavLinkData, activeOnly = false): void {
    this.io.broadcast(msg, activeOnly);
  }

  text(severity: number, text: string): void {
    this.io.text(severity, text);
  }

  /** A frame that came through the links (LinksHost). */
  dispatch(link: SimLink, rx: Received): void {
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
    return this.io.dropRateComm();
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
    this.control.autoDisarm(now);
  }

  private prearmFailures(): string[] {
    return this.control.prearmFailures();
  }

  // ---- what the GCS's commands do (drone-control.ts), as the failsafes, AUTO and incoming.ts call it ----

  setMode(mode: number): number {
    return this.control.setMode(mode);
  }

  gotoEnu(eM: number, nM: number, upM: number, speedMps?: number): number {
    return this.control.gotoEnu(eM, nM, upM, speedMps);
  }

  /** Disarm for an internal reason (landed, auto-disarm, failsafe). FlightContext/FailsafeContext. */
  disarmNow(reason: string): void {
    this.control.disarmNow(reason);
  }

  /** Failsafe mode change (FailsafeContext). */
  forceMode(mode: number, reason: string): boolean {
    return this.control.forceMode(mode, reason);
  }

  /** The reboot after its ACK: silent for REBOOT_SILENCE_MS, then boot again (ControlHost). */
  powerCycle(): void {
    this.silentUntilMs = this.clock.now() + REBOOT_SILENCE_MS;
    this.clock.setTimeout(() => {
      this.health.reset();
      this.failsafes.reset();
      this.nav.enter(Mode.STABILIZE);
      for (const l of this.links) l.resetRates();
    }, REBOOT_SILENCE_MS);
  }
}
