/**
 * A point-mass multicopter on a local ENU frame around home (see geo.ts), stepped on the simulator's clock.
 *
 * The flight controller above it (modes.ts) does not set forces: it gives a horizontal command (fly to a
 * point, fly a velocity, or drift with the wind), a vertical command (hold an altitude or a climb rate) and
 * a yaw command. This file turns those into motion within ArduCopter-like limits:
 *   horizontal speed ≤ WPNAV_SPEED (10 m/s), acceleration ≤ WPNAV_ACCEL (2.5 m/s²), a square-root
 *   approach so the copter stops on its target; climb ≤ WPNAV_SPEED_UP 2.5 m/s, descent ≤ WPNAV_SPEED_DN
 *   1.5 m/s; yaw rate limited; the ground at relative altitude 0 (flat terrain, home height).
 * Wind is a constant vector plus seeded gusts (an Ornstein–Uhlenbeck process). Position modes reject the
 * wind (it only tilts the frame and costs power); "drift" lets it carry the copter, as ALT_HOLD does with
 * no pilot input. Attitude (roll/pitch) is derived from the horizontal force the frame must produce.
 */
import type { Prng } from './prng.js';
import { bearingDeg, wrap180, wrap360 } from './geo.js';

const G = 9.80665;
const DEG = Math.PI / 180;
/** Horizontal drag: chosen so that 10 m/s of airspeed needs ~15° of tilt. */
const DRAG_PER_MPS2 = (G * Math.tan(15 * DEG)) / 100;
/** Longest integration step; longer clock gaps are split. */
export const MAX_STEP_S = 0.05;

export interface PhysicsLimits {
  maxSpeedMps: number;
  accelMps2: number;
  climbMps: number;
  descentMps: number;
  /** Vertical acceleration limit, m/s². */
  accelZMps2: number;
  yawRateDps: number;
}

export const DEFAULT_LIMITS: PhysicsLimits = {
  maxSpeedMps: 10,
  accelMps2: 2.5,
  climbMps: 2.5,
  descentMps: 1.5,
  accelZMps2: 2.5,
  yawRateDps: 90,
};

export interface WindOptions {
  /** Direction the wind blows FROM, degrees (meteorological). */
  fromDeg: number;
  speedMps: number;
  /** Standard deviation of each horizontal gust component, m/s. */
  gustMps: number;
  /** Gust correlation time, seconds. */
  gustTauS?: number;
}

export type HorizontalCommand =
  | { kind: 'position'; eM: number; nM: number; speedMps?: number }
  | { kind: 'velocity'; veMps: number; vnMps: number }
  | { kind: 'drift' };

export type VerticalCommand =
  | { kind: 'altitude'; upM: number; climbMps?: number; descentMps?: number }
  | { kind: 'rate'; vuMps: number };

export type YawCommand = { kind: 'heading'; deg: number } | { kind: 'travel' } | { kind: 'hold' };

export interface PhysicsState {
  eM: number;
  nM: number;
  /** Height above home (flat terrain at home height), metres. */
  upM: number;
  veMps: number;
  vnMps: number;
  vuMps: number;
  yawDeg: number;
  yawRateDps: number;
  rollRad: number;
  pitchRad: number;
  onGround: boolean;
  /** Wind at the copter (constant + gust), m/s, ENU components (the direction it blows TO). */
  windEMps: number;
  windNMps: number;
  /** Vertical speed at the last touchdown, m/s (positive). */
  lastTouchdownMps: number;
}

export class CopterPhysics {
  readonly state: PhysicsState = {
    eM: 0,
    nM: 0,
    upM: 0,
    veMps: 0,
    vnMps: 0,
    vuMps: 0,
    yawDeg: 0,
    yawRateDps: 0,
    rollRad: 0,
    pitchRad: 0,
    onGround: true,
    windEMps: 0,
    windNMps: 0,
    lastTouchdownMps: 0,
  };
  limits: PhysicsLimits;
  horizontal: HorizontalCommand = { kind: 'velocity', veMps: 0, vnMps: 0 };
  vertical: VerticalCommand = { kind: 'rate', vuMps: 0 };
  yaw: YawCommand = { kind: 'hold' };
  /** Motors spinning (armed). Unarmed, the copter sits on the ground and nothing moves. */
  motorsOn = false;
  private gustE = 0;
  private gustN = 0;
  private readonly meanWindE: number;
  private readonly meanWindN: number;

  constructor(
    private readonly random: Prng,
    private readonly wind: WindOptions = { fromDeg: 0, speedMps: 0, gustMps: 0 },
    limits: Partial<PhysicsLimits> = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    const toRad = (wind.fromDeg + 180) * DEG;
    this.meanWindE = wind.speedMps * Math.sin(toRad);
    this.meanWindN = wind.speedMps * Math.cos(toRad);
    this.state.windEMps = this.meanWindE;
    this.state.windNMps = this.meanWindN;
  }

  /** Horizontal ground speed, m/s. */
  get groundSpeedMps(): number {
    return Math.hypot(this.state.veMps, this.state.vnMps);
  }

  /** Speed through the air, m/s. */
  get airSpeedMps(): number {
    return Math.hypot(this.state.veMps - this.state.windEMps, this.state.vnMps - this.state.windNMps);
  }

  /** Put the copter on the ground at a point, at rest (boot, reboot). */
  resetOnGround(eM = 0, nM = 0, yawDeg = 0): void {
    Object.assign(this.state, { eM, nM, upM: 0, veMps: 0, vnMps: 0, vuMps: 0, yawDeg, yawRateDps: 0, rollRad: 0, pitchRad: 0, onGround: true });
    this.horizontal = { kind: 'velocity', veMps: 0, vnMps: 0 };
    this.vertical = { kind: 'rate', vuMps: 0 };
    this.yaw = { kind: 'hold' };
  }

  /** Advance by dtS seconds (split into steps of at most MAX_STEP_S). */
  step(dtS: number): void {
    let left = dtS;
    while (left > 1e-9) {
      const h = Math.min(MAX_STEP_S, left);
      this.stepOnce(h);
      left -= h;
    }
  }

  private stepOnce(dt: number): void {
    const s = this.state;
    this.stepWind(dt);
    if (!this.motorsOn) {
      this.settle();
      return;
    }
    const wantVu = this.desiredVu();
    if (s.onGround && wantVu <= 0) {
      this.settle();
      this.stepYaw(dt, 0, 0);
      return;
    }
    // Horizontal: move the velocity toward the desired one within the acceleration limit.
    const [wantVe, wantVn] = s.onGround ? [0, 0] : this.desiredHorizontal();
    const maxDv = this.limits.accelMps2 * dt;
    const dve = wantVe - s.veMps;
    const dvn = wantVn - s.vnMps;
    const dv = Math.hypot(dve, dvn);
    const k = dv > maxDv ? maxDv / dv : 1;
    const ae = (dve * k) / dt;
    const an = (dvn * k) / dt;
    s.veMps += dve * k;
    s.vnMps += dvn * k;
    // Vertical, within its own acceleration limit.
    const dvu = Math.max(-this.limits.accelZMps2 * dt, Math.min(this.limits.accelZMps2 * dt, wantVu - s.vuMps));
    s.vuMps += dvu;
    s.eM += s.veMps * dt;
    s.nM += s.vnMps * dt;
    s.upM += s.vuMps * dt;
    if (s.upM <= 0) {
      if (!s.onGround) s.lastTouchdownMps = Math.max(0, -s.vuMps);
      s.upM = 0;
      s.onGround = true;
      s.vuMps = 0;
      s.veMps = 0;
      s.vnMps = 0;
    } else {
      s.onGround = false;
    }
    this.stepYaw(dt, s.veMps, s.vnMps);
    this.stepAttitude(ae, an);
  }

  private settle(): void {
    const s = this.state;
    s.veMps = 0;
    s.vnMps = 0;
    s.vuMps = 0;
    s.rollRad = 0;
    s.pitchRad = 0;
    s.yawRateDps = 0;
    if (s.upM > 0 && !this.motorsOn) {
      // Motors stopped in the air: in this model the copter is simply put down (a crash is out of scope).
      s.lastTouchdownMps = 0;
    }
    s.upM = 0;
    s.onGround = true;
  }

  private stepWind(dt: number): void {
    const { gustMps } = this.wind;
    const tau = this.wind.gustTauS ?? 4;
    if (gustMps > 0) {
      const a = dt / tau;
      const b = gustMps * Math.sqrt(2 * a);
      this.gustE += -this.gustE * a + b * this.random.gaussian();
      this.gustN += -this.gustN * a + b * this.random.gaussian();
    }
    this.state.windEMps = this.meanWindE + this.gustE;
    this.state.windNMps = this.meanWindN + this.gustN;
  }

  private desiredHorizontal(): [number, number] {
    const s = this.state;
    const c = this.horizontal;
    const vmax = this.limits.maxSpeedMps;
    if (c.kind === 'drift') return [s.windEMps, s.windNMps];
    if (c.kind === 'velocity') {
      const v = Math.hypot(c.veMps, c.vnMps);
      const k = v > vmax ? vmax / v : 1;
      return [c.veMps * k, c.vnMps * k];
    }
    const de = c.eM - s.eM;
    const dn = c.nM - s.nM;
    const dist = Math.hypot(de, dn);
    if (dist < 1e-3) return [0, 0];
    const speed = Math.min(c.speedMps ?? vmax, vmax, Math.sqrt(2 * this.limits.accelMps2 * 0.8 * dist), dist / MAX_STEP_S);
    return [(de / dist) * speed, (dn / dist) * speed];
  }

  private desiredVu(): number {
    const c = this.vertical;
    if (c.kind === 'rate') return Math.max(-this.limits.descentMps * 4, Math.min(this.limits.climbMps, c.vuMps));
    const err = c.upM - this.state.upM;
    const up = c.climbMps ?? this.limits.climbMps;
    const down = c.descentMps ?? this.limits.descentMps;
    const v = Math.sign(err) * Math.min(Math.sqrt(2 * this.limits.accelZMps2 * 0.5 * Math.abs(err)), Math.abs(err) * 2);
    return Math.max(-down, Math.min(up, v));
  }

  private stepYaw(dt: number, ve: number, vn: number): void {
    const s = this.state;
    let target: number | undefined;
    if (this.yaw.kind === 'heading') target = this.yaw.deg;
    else if (this.yaw.kind === 'travel' && Math.hypot(ve, vn) > 1) target = bearingDeg(ve, vn);
    if (target === undefined || s.onGround) {
      s.yawRateDps = 0;
      return;
    }
    const err = wrap180(target - s.yawDeg);
    const maxStep = this.limits.yawRateDps * dt;
    const step = Math.max(-maxStep, Math.min(maxStep, err));
    s.yawDeg = wrap360(s.yawDeg + step);
    s.yawRateDps = step / dt;
  }

  private stepAttitude(ae: number, an: number): void {
    const s = this.state;
    const airE = s.veMps - s.windEMps;
    const airN = s.vnMps - s.windNMps;
    const air = Math.hypot(airE, airN);
    const fe = ae + DRAG_PER_MPS2 * air * airE;
    const fn = an + DRAG_PER_MPS2 * air * airN;
    const yaw = s.yawDeg * DEG;
    const forward = fe * Math.sin(yaw) + fn * Math.cos(yaw);
    const right = fe * Math.cos(yaw) - fn * Math.sin(yaw);
    s.pitchRad = -Math.atan2(forward, G);
    s.rollRad = Math.atan2(right, G);
  }
}
