/**
 * ArduCopter's failsafes, checked every tick while armed:
 *   battery  BATT_LOW_VOLT for BATT_LOW_TIMER s or remaining < BATT_LOW_MAH → BATT_FS_LOW_ACT;
 *            BATT_CRT_VOLT / BATT_CRT_MAH → BATT_FS_CRT_ACT. Text "Battery 1 is low 10.45V used 2345 mAh".
 *   GCS      no HEARTBEAT from MAV_GCS_SYSID for FS_GCS_TIMEOUT s, FS_GCS_ENABLE ≥ 1, and a GCS was seen at
 *            least once → RTL (1, 2, 3) or LAND (4, 5); on the ground → disarm. "GCS Failsafe".
 *   fence    FENCE_ENABLE, circle FENCE_RADIUS around home / FENCE_ALT_MAX → RTL (FENCE_ACTION 1) or LAND (2).
 *   EKF      position lost (GPS gone) for 1 s in a mode that needs it → LAND (FS_EKF_ACTION 1). "EKF variance".
 * Actions map as ArduCopter's FailsafeAction: 1 LAND, 2 RTL, 3 SmartRTL→RTL, 4 SmartRTL→LAND, 5 terminate.
 */
import { common } from 'mavlink-mappings';
import type { Clock } from '../common/clock.js';
import type { Battery } from './battery.js';
import { Mode, POSITION_MODES } from './modes.js';
import type { ParamStore } from './params.js';
import type { CopterPhysics } from './physics.js';

const S = common.MavSeverity;
/** ArduCopter's ekf_check needs 10 bad checks at 10 Hz. */
const EKF_FAILSAFE_MS = 1000;

export interface FailsafeContext {
  readonly clock: Clock;
  readonly params: ParamStore;
  readonly battery: Battery;
  readonly physics: CopterPhysics;
  readonly armed: boolean;
  readonly mode: number;
  positionOk(): boolean;
  /** Force a mode (failsafe reason); returns whether it took. */
  forceMode(mode: number, reason: string): boolean;
  disarmNow(reason: string): void;
  text(severity: number, text: string): void;
}

export class Failsafes {
  /** Last HEARTBEAT from MAV_GCS_SYSID, clock ms; 0 = never. */
  gcsLastSeenMs = 0;
  gcs = false;
  battery: 0 | 1 | 2 = 0;
  fence = false;
  ekf = false;
  private lowVoltSinceMs: number | undefined;
  private crtVoltSinceMs: number | undefined;
  private ekfBadSinceMs: number | undefined;

  constructor(private readonly ctx: FailsafeContext) {}

  get any(): boolean {
    return this.gcs || this.battery > 0 || this.ekf;
  }

  reset(): void {
    this.gcsLastSeenMs = 0;
    this.gcs = false;
    this.battery = 0;
    this.fence = false;
    this.ekf = false;
    this.lowVoltSinceMs = this.crtVoltSinceMs = this.ekfBadSinceMs = undefined;
  }

  gcsHeartbeat(): void {
    this.gcsLastSeenMs = this.ctx.clock.now();
  }

  check(): void {
    this.checkGcs();
    if (!this.ctx.armed) return;
    this.checkBattery();
    this.checkFence();
    this.checkEkf();
  }

  private act(action: number, reason: string): void {
    const { ctx } = this;
    if (action <= 0) return;
    if (ctx.physics.state.onGround) {
      ctx.disarmNow(reason);
      return;
    }
    if (action === 5) {
      ctx.disarmNow(reason);
      return;
    }
    if (action === 1 || action === 4) {
      if (ctx.mode !== Mode.LAND) ctx.forceMode(Mode.LAND, reason);
      return;
    }
    // RTL; if RTL cannot run (no position), land.
    if (ctx.mode === Mode.RTL || ctx.mode === Mode.LAND) return;
    if (!ctx.forceMode(Mode.RTL, reason)) ctx.forceMode(Mode.LAND, reason);
  }

  private checkGcs(): void {
    const { ctx } = this;
    const enable = ctx.params.get('FS_GCS_ENABLE');
    if (enable <= 0 || this.gcsLastSeenMs === 0 || !ctx.armed) {
      // Checked only while armed (a disarmed vehicle on the dock has nothing to fail safe).
      this.gcs = false;
      return;
    }
    const late = ctx.clock.now() - this.gcsLastSeenMs > ctx.params.get('FS_GCS_TIMEOUT') * 1000;
    if (late && !this.gcs) {
      this.gcs = true;
      ctx.text(S.WARNING, 'GCS Failsafe');
      this.act(enable === 4 || enable === 5 ? 1 : 2, 'gcs failsafe');
    } else if (!late && this.gcs) {
      this.gcs = false;
      ctx.text(S.WARNING, 'GCS Failsafe Cleared');
    }
  }

  private checkBattery(): void {
    const { ctx } = this;
    const b = ctx.battery;
    const now = ctx.clock.now();
    const timerMs = ctx.params.get('BATT_LOW_TIMER') * 1000;
    const lowV = ctx.params.get('BATT_LOW_VOLT');
    const crtV = ctx.params.get('BATT_CRT_VOLT');
    this.lowVoltSinceMs = lowV > 0 && b.voltageV < lowV ? (this.lowVoltSinceMs ?? now) : undefined;
    this.crtVoltSinceMs = crtV > 0 && b.voltageV < crtV ? (this.crtVoltSinceMs ?? now) : undefined;
    const crtMah = ctx.params.get('BATT_CRT_MAH');
    const lowMah = ctx.params.get('BATT_LOW_MAH');
    const critical =
      (this.crtVoltSinceMs !== undefined && now - this.crtVoltSinceMs >= timerMs) || (crtMah > 0 && b.remainingMah < crtMah);
    const low = (this.lowVoltSinceMs !== undefined && now - this.lowVoltSinceMs >= timerMs) || (lowMah > 0 && b.remainingMah < lowMah);
    const level: 0 | 1 | 2 = critical ? 2 : low ? 1 : 0;
    if (level <= this.battery) return;
    this.battery = level;
    const kind = level === 2 ? 'critical' : 'low';
    ctx.text(S.WARNING, `Battery 1 is ${kind} ${b.voltageV.toFixed(2)}V used ${Math.round(b.consumedMah)} mAh`);
    this.act(ctx.params.get(level === 2 ? 'BATT_FS_CRT_ACT' : 'BATT_FS_LOW_ACT'), `battery ${kind}`);
  }

  private checkFence(): void {
    const { ctx } = this;
    if (ctx.params.get('FENCE_ENABLE') <= 0 || ctx.physics.state.onGround) {
      this.fence = false;
      return;
    }
    const type = ctx.params.get('FENCE_TYPE');
    const s = ctx.physics.state;
    const margin = ctx.params.get('FENCE_MARGIN');
    const dist = Math.hypot(s.eM, s.nM);
    const circle = (type & 2) !== 0 && dist > ctx.params.get('FENCE_RADIUS');
    const alt = (type & 1) !== 0 && s.upM > ctx.params.get('FENCE_ALT_MAX');
    if (!circle && !alt) {
      if (this.fence && dist < ctx.params.get('FENCE_RADIUS') - margin) this.fence = false;
      return;
    }
    if (this.fence) return;
    this.fence = true;
    ctx.text(S.CRITICAL, circle ? 'Circle fence breached' : 'Max alt fence breached');
    const action = ctx.params.get('FENCE_ACTION');
    if (action === 0) return;
    this.act(action === 2 ? 1 : 2, 'fence breach');
  }

  private checkEkf(): void {
    const { ctx } = this;
    const now = ctx.clock.now();
    if (ctx.positionOk() || ctx.physics.state.onGround) {
      this.ekfBadSinceMs = undefined;
      if (this.ekf && ctx.positionOk()) this.ekf = false;
      return;
    }
    this.ekfBadSinceMs ??= now;
    if (this.ekf || now - this.ekfBadSinceMs < EKF_FAILSAFE_MS) return;
    this.ekf = true;
    ctx.text(S.CRITICAL, 'EKF variance');
    const action = ctx.params.get('FS_EKF_ACTION');
    if (action === 0) return;
    if (POSITION_MODES.has(ctx.mode) || action === 3) {
      if (action === 2) ctx.forceMode(Mode.ALT_HOLD, 'ekf failsafe');
      else ctx.forceMode(Mode.LAND, 'ekf failsafe');
    }
  }
}
