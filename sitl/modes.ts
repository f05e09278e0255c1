/**
 * ArduCopter flight modes for the simulator: each tick the FlightController turns the mode and its
 * targets into commands for the point-mass physics.
 *
 *   STABILIZE 0, ALT_HOLD 2  hold altitude, drift with the wind (no pilot input in the simulator)
 *   AUTO 3                   runs the stored mission (mission-auto.ts); without one, holds where it entered
 *   GUIDED 4                 takeoff / go to / velocity / hold; pause = brake to a hold (no orbit: ArduCopter
 *                            answers MAV_CMD_DO_ORBIT UNSUPPORTED, sitl/commands.ts)
 *   LOITER 5, POSHOLD 16, BRAKE 17   stop and hold position
 *   RTL 6                    climb ──► return ──► loiter RTL_LOIT_TIME ──► land ──► disarm
 *   LAND 9                   descend (WPNAV_SPEED_DN, LAND_SPEED below LAND_ALT_LOW) ──► disarm
 * Landing disarms LAND_DISARM_MS after touchdown. Armed on the ground without taking off, the vehicle
 * disarms after DISARM_DELAY seconds (drone.ts).
 */
import type { Clock } from '../common/clock.js';
import { bearingDeg } from './geo.js';
import type { ParamStore } from './params.js';
import type { CopterPhysics } from './physics.js';

export const Mode = {
  STABILIZE: 0,
  ALT_HOLD: 2,
  AUTO: 3,
  GUIDED: 4,
  LOITER: 5,
  RTL: 6,
  LAND: 9,
  POSHOLD: 16,
  BRAKE: 17,
} as const;

export const MODE_NAMES: Readonly<Record<number, string>> = {
  0: 'STABILIZE',
  2: 'ALT_HOLD',
  3: 'AUTO',
  4: 'GUIDED',
  5: 'LOITER',
  6: 'RTL',
  9: 'LAND',
  16: 'POSHOLD',
  17: 'BRAKE',
};

/** Modes that need an EKF position to be entered while armed (and to arm in). */
export const POSITION_MODES: ReadonlySet<number> = new Set([Mode.AUTO, Mode.GUIDED, Mode.LOITER, Mode.RTL, Mode.POSHOLD, Mode.BRAKE]);

/** After touchdown in LAND/RTL, the land detector completes and the motors disarm (capture: ~2 s). */
export const LAND_DISARM_MS = 2000;
/** A guided velocity command lapses after this long without a new one (ArduCopter: 3 s). */
const GUIDED_VELOCITY_TIMEOUT_MS = 3000;

export type GuidedTarget =
  | { kind: 'hold'; eM: number; nM: number; upM: number }
  | { kind: 'takeoff'; eM: number; nM: number; upM: number }
  | { kind: 'goto'; eM: number; nM: number; upM: number }
  | { kind: 'velocity'; veMps: number; vnMps: number; vuMps: number; untilMs: number };

export type RtlPhase = 'climb' | 'return' | 'loiter' | 'land';

/** The AUTO mode's mission executor, as the flight controller sees it (mission-auto.ts). */
export interface AutoMode {
  readonly landing: boolean;
  readonly takingOff: boolean;
  /** AUTO entered (not re-entered): resume or start the mission. */
  start(first?: number): boolean;
  exit(): void;
  update(now: number): void;
}

export interface FlightContext {
  readonly clock: Clock;
  readonly physics: CopterPhysics;
  readonly params: ParamStore;
  readonly armed: boolean;
  /** The EKF has a horizontal position (position control possible). */
  positionOk(): boolean;
  disarmNow(reason: string): void;
}

export class FlightController {
  mode: number = Mode.STABILIZE;
  guided: GuidedTarget = { kind: 'hold', eM: 0, nM: 0, upM: 0 };
  private hold = { eM: 0, nM: 0, upM: 0 };
  paused = false;
  /** DO_CHANGE_SPEED for GUIDED/AUTO navigation, m/s. */
  speedMps: number | undefined;
  roi: { eM: number; nM: number } | undefined;
  rtlPhase: RtlPhase = 'climb';
  private rtlAltM = 15;
  private phaseSinceMs = 0;
  private touchdownAtMs: number | undefined;
  /** Whether this tick's position estimate lets the copter hold a position (set by `update`). */
  private canHoldPosition = false;
  auto: AutoMode | undefined;

  constructor(private readonly ctx: FlightContext) {}

  /** Switch mode (checks are the caller's). Sets the mode's starting targets. */
  enter(mode: number): void {
    const s = this.ctx.physics.state;
    const from = this.mode;
    this.mode = mode;
    if (from === Mode.AUTO && mode !== Mode.AUTO) this.auto?.exit();
    if (mode === Mode.AUTO && from !== Mode.AUTO) this.auto?.start();
    this.paused = false;
    this.touchdownAtMs = undefined;
    this.phaseSinceMs = this.ctx.clock.now();
    this.holdAtStoppingPoint();
    if (mode === Mode.GUIDED) this.guided = { kind: 'hold', ...this.hold };
    if (mode === Mode.RTL) {
      const rtlAlt = this.ctx.params.get('RTL_ALT') / 100;
      this.rtlAltM = rtlAlt > 0 ? Math.max(rtlAlt, s.upM) : s.upM;
      this.rtlPhase = s.onGround ? 'land' : 'climb';
    }
  }

  /** A landing is in progress (LAND, or RTL's final phase). */
  get landing(): boolean {
    return this.mode === Mode.LAND || (this.mode === Mode.RTL && this.rtlPhase === 'land') || (this.mode === Mode.AUTO && (this.auto?.landing ?? false));
  }

  /** Waiting to climb after a takeoff command. */
  get takingOff(): boolean {
    return (this.mode === Mode.GUIDED && this.guided.kind === 'takeoff') || (this.mode === Mode.AUTO && (this.auto?.takingOff ?? false));
  }

  takeoff(altM: number): void {
    const s = this.ctx.physics.state;
    this.guided = { kind: 'takeoff', eM: s.eM, nM: s.nM, upM: altM };
    this.paused = false;
  }

  goto(eM: number, nM: number, upM: number): void {
    this.guided = { kind: 'goto', eM, nM, upM };
    this.paused = false;
  }

  velocity(veMps: number, vnMps: number, vuMps: number): void {
    this.guided = { kind: 'velocity', veMps, vnMps, vuMps, untilMs: this.ctx.clock.now() + GUIDED_VELOCITY_TIMEOUT_MS };
    this.paused = false;
  }

  /** Motors stopped: forget flight targets. */
  onDisarm(): void {
    const s = this.ctx.physics.state;
    this.paused = false;
    this.guided = { kind: 'hold', eM: s.eM, nM: s.nM, upM: 0 };
    this.touchdownAtMs = undefined;
  }

  pause(): void {
    this.paused = true;
    this.holdAtStoppingPoint();
  }

  resume(): void {
    this.paused = false;
  }

  private holdAtStoppingPoint(): void {
    const s = this.ctx.physics.state;
    const a = this.ctx.physics.limits.accelMps2;
    const v = Math.hypot(s.veMps, s.vnMps);
    const k = v / (2 * a);
    this.hold = { eM: s.eM + s.veMps * k, nM: s.nM + s.vnMps * k, upM: s.upM };
  }

  private navSpeed(): number {
    return this.speedMps ?? this.ctx.params.get('WPNAV_SPEED') / 100;
  }

  /** Compute this tick's physics commands; handles landing completion. */
  update(): void {
    const { physics, params } = this.ctx;
    const s = physics.state;
    const now = this.ctx.clock.now();
    physics.limits.maxSpeedMps = params.get('WPNAV_SPEED') / 100;
    physics.limits.climbMps = params.get('WPNAV_SPEED_UP') / 100;
    physics.limits.descentMps = params.get('WPNAV_SPEED_DN') / 100;
    physics.limits.accelMps2 = params.get('WPNAV_ACCEL') / 100;
    physics.motorsOn = this.ctx.armed;
    this.canHoldPosition = this.ctx.positionOk();
    physics.yaw = this.roi ? { kind: 'heading', deg: bearingDeg(this.roi.eM - s.eM, this.roi.nM - s.nM) } : { kind: 'hold' };

    if (this.mode === Mode.AUTO && this.auto) this.auto.update(now);
    else switch (this.mode) {
      case Mode.STABILIZE:
      case Mode.ALT_HOLD:
        physics.horizontal = { kind: 'drift' };
        physics.vertical = s.onGround ? { kind: 'rate', vuMps: 0 } : { kind: 'altitude', upM: this.hold.upM };
        break;
      case Mode.GUIDED:
        this.updateGuided(now);
        break;
      case Mode.RTL:
        this.updateRtl(now);
        break;
      case Mode.LAND:
        physics.horizontal = this.holdH(this.hold);
        physics.vertical = this.landDescent();
        break;
      default:
        // AUTO (no mission yet), LOITER, POSHOLD, BRAKE: stop and hold.
        physics.horizontal = this.holdH(this.hold);
        physics.vertical = s.onGround ? { kind: 'rate', vuMps: 0 } : { kind: 'altitude', upM: this.hold.upM };
    }

    if (this.landing && this.ctx.armed && s.onGround) {
      if (this.touchdownAtMs === undefined) this.touchdownAtMs = now;
      else if (now - this.touchdownAtMs >= LAND_DISARM_MS) this.ctx.disarmNow('landed');
    } else {
      this.touchdownAtMs = undefined;
    }
  }

  /**
   * Hold a horizontal position (at `speed` on the way there) when the position estimate allows it, else drift.
   * A method rather than a closure made per tick: under tsx every closure made is also named (keepNames), which
   * was ~3 % of a simulated day (bench/patrol-day.ts).
   */
  private holdH(p: { eM: number; nM: number }, speed?: number): { kind: 'position'; eM: number; nM: number; speedMps?: number } | { kind: 'drift' } {
    return this.canHoldPosition ? { kind: 'position' as const, eM: p.eM, nM: p.nM, ...(speed !== undefined ? { speedMps: speed } : {}) } : { kind: 'drift' as const };
  }

  private landDescent(): { kind: 'rate'; vuMps: number } {
    const { params, physics } = this.ctx;
    const lowAlt = params.get('LAND_ALT_LOW') / 100;
    const high = params.get('LAND_SPEED_HIGH') > 0 ? params.get('LAND_SPEED_HIGH') / 100 : params.get('WPNAV_SPEED_DN') / 100;
    const speed = physics.state.upM > lowAlt ? high : params.get('LAND_SPEED') / 100;
    return { kind: 'rate', vuMps: -speed };
  }

  private updateGuided(now: number): void {
    const physics = this.ctx.physics;
    const s = physics.state;
    const g = this.guided;
    if (this.paused) {
      physics.horizontal = this.holdH(this.hold);
      physics.vertical = s.onGround ? { kind: 'rate', vuMps: 0 } : { kind: 'altitude', upM: this.hold.upM };
      return;
    }
    if (g.kind === 'takeoff') {
      physics.horizontal = this.holdH(g);
      physics.vertical = { kind: 'altitude', upM: g.upM };
      if (Math.abs(s.upM - g.upM) < 0.3) this.guided = { kind: 'hold', eM: g.eM, nM: g.nM, upM: g.upM };
      return;
    }
    if (s.onGround) {
      // Landed in GUIDED: position targets do not lift the copter (ArduCopter waits for a takeoff).
      physics.horizontal = { kind: 'velocity', veMps: 0, vnMps: 0 };
      physics.vertical = { kind: 'rate', vuMps: 0 };
      return;
    }
    switch (g.kind) {
      case 'hold':
        physics.horizontal = this.holdH(g);
        physics.vertical = { kind: 'altitude', upM: g.upM };
        break;
      case 'goto':
        physics.horizontal = this.holdH(g, this.navSpeed());
        physics.vertical = { kind: 'altitude', upM: g.upM };
        if (!this.roi && Math.hypot(g.eM - s.eM, g.nM - s.nM) > 2) physics.yaw = { kind: 'travel' };
        break;
      case 'velocity':
        if (now > g.untilMs) {
          this.holdAtStoppingPoint();
          this.guided = { kind: 'hold', ...this.hold };
          break;
        }
        physics.horizontal = { kind: 'velocity', veMps: g.veMps, vnMps: g.vnMps };
        physics.vertical = { kind: 'rate', vuMps: g.vuMps };
        break;
    }
  }

  private updateRtl(now: number): void {
    const { physics, params } = this.ctx;
    const s = physics.state;
    const speed = params.get('RTL_SPEED') > 0 ? params.get('RTL_SPEED') / 100 : params.get('WPNAV_SPEED') / 100;
    const next = (p: RtlPhase) => {
      this.rtlPhase = p;
      this.phaseSinceMs = now;
    };
    switch (this.rtlPhase) {
      case 'climb':
        physics.horizontal = this.holdH(this.hold);
        physics.vertical = { kind: 'altitude', upM: this.rtlAltM };
        if (s.upM >= this.rtlAltM - 0.3) next('return');
        break;
      case 'return':
        physics.horizontal = this.holdH({ eM: 0, nM: 0 }, speed);
        physics.vertical = { kind: 'altitude', upM: this.rtlAltM };
        if (!this.ctx.positionOk() || (Math.hypot(s.eM, s.nM) < params.get('WPNAV_RADIUS') / 100 && this.ctx.physics.groundSpeedMps < 0.5)) {
          next('loiter');
        }
        break;
      case 'loiter':
        physics.horizontal = this.holdH({ eM: 0, nM: 0 });
        physics.vertical = { kind: 'altitude', upM: this.rtlAltM };
        if (now - this.phaseSinceMs >= params.get('RTL_LOIT_TIME')) next('land');
        break;
      case 'land':
        physics.horizontal = this.holdH({ eM: 0, nM: 0 });
        physics.vertical = this.landDescent();
        break;
    }
  }
}
