/**
 * Boot progress and navigation health of a simulated drone: which boot milestones have passed (boot.ts
 * timeline), the boot STATUSTEXTs as they fall due, and the EKF's horizontal position, which is lost
 * EKF_GPS_TIMEOUT_MS after the GPS goes (gps-loss fault) and regained EKF_GPS_REGAIN_MS after it returns.
 *
 *   power-on ─► ready ─► rcValid ─► ekfInit ─► gpsFix ─► origin ─► position
 *                                          position ◄──► lost (GPS gone 2 s / back 3 s)
 */
import { common } from 'mavlink-mappings';
import type { Clock } from '../common/clock.js';
import { BOOT_TEXTS, CAPTURED_WARMUP_MS, type BootTimeline } from './boot.js';
import type { FaultSet } from './faults.js';
import type { TelemetryPhase } from './telemetry.js';

const S = common.MavSeverity;
export const EKF_GPS_TIMEOUT_MS = 2000;
export const EKF_GPS_REGAIN_MS = 3000;
/** While disarmed with a failing check, ArduPilot repeats "PreArm: …" every 30 s. */
export const PREARM_REPORT_MS = 30_000;

export interface HealthEvents {
  text(severity: number, text: string): void;
  /** RC input became valid: the mode switch position is applied. */
  rcValid(): void;
  /** EKF origin and home set. */
  originSet(): void;
}

export class BootHealth {
  bootAtMs: number;
  private textIndex = 0;
  private rcValidDone = false;
  private originDone = false;
  private gpsLostSinceMs: number | undefined;
  private gpsBackSinceMs: number | undefined;
  private ekfLost = false;
  private lastPrearmReportMs: number;

  constructor(
    private readonly clock: Clock,
    readonly timeline: BootTimeline,
    private readonly homeAltAmslM: number,
    private readonly faults: FaultSet,
    private readonly events: HealthEvents,
  ) {
    this.bootAtMs = clock.now();
    this.lastPrearmReportMs = this.bootAtMs;
  }

  /** Power-on again (reboot). */
  reset(): void {
    this.bootAtMs = this.clock.now();
    this.lastPrearmReportMs = this.bootAtMs;
    this.textIndex = 0;
    this.rcValidDone = this.originDone = false;
    this.ekfLost = false;
    this.gpsLostSinceMs = this.gpsBackSinceMs = undefined;
  }

  sinceBootMs(): number {
    return this.clock.now() - this.bootAtMs;
  }

  phase(): TelemetryPhase {
    const t = this.sinceBootMs();
    const tl = this.timeline;
    return {
      ready: t >= tl.readyMs,
      ekfInit: t >= tl.ekfInitMs,
      gpsFix: t >= tl.gpsFixMs && !this.faults.gpsLost(),
      origin: t >= tl.originMs,
      position: t >= tl.positionMs && !this.ekfLost,
    };
  }

  /** Once per tick: boot texts and milestones, GPS/EKF health. */
  update(): void {
    const now = this.clock.now();
    const t = this.sinceBootMs();
    const k = this.timeline.positionMs / CAPTURED_WARMUP_MS;
    while (this.textIndex < BOOT_TEXTS.length) {
      const [at, sev, txt] = BOOT_TEXTS[this.textIndex]!;
      if (t < at * k) break;
      this.textIndex++;
      this.events.text(sev, txt);
      if (txt === 'EKF3 IMU0 origin set') this.events.text(S.INFO, `Field Elevation Set: ${Math.round(this.homeAltAmslM)}m`);
    }
    if (!this.rcValidDone && t >= this.timeline.rcValidMs) {
      this.rcValidDone = true;
      this.events.rcValid();
    }
    if (!this.originDone && t >= this.timeline.originMs) {
      this.originDone = true;
      this.events.originSet();
    }
    if (this.faults.gpsLost()) {
      this.gpsBackSinceMs = undefined;
      this.gpsLostSinceMs ??= now;
      if (now - this.gpsLostSinceMs >= EKF_GPS_TIMEOUT_MS) this.ekfLost = true;
    } else {
      this.gpsLostSinceMs = undefined;
      if (this.ekfLost) {
        this.gpsBackSinceMs ??= now;
        if (now - this.gpsBackSinceMs >= EKF_GPS_REGAIN_MS) this.ekfLost = false;
      }
    }
  }

  /** Periodic unprompted "PreArm: …" while disarmed and a check fails. */
  prearmReport(armed: boolean, failure: string | undefined): void {
    const now = this.clock.now();
    if (armed || !failure || !this.phase().ready || now - this.lastPrearmReportMs < PREARM_REPORT_MS) return;
    this.lastPrearmReportMs = now;
    this.events.text(S.CRITICAL, `PreArm: ${failure}`);
  }
}
