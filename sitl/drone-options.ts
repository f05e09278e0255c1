/**
 * Options of a SimDrone, and the patrol-fleet parameter set (what the fleet changes from ArduPilot's
 * defaults when it creates a drone: GCS-loss failsafe on, battery failsafes RTL/LAND at a reserve).
 */
import type { Clock } from '../common/clock.js';
import type { SimCameraOptions } from './camera.js';
import type { FaultRule } from './faults.js';
import type { WindOptions } from './physics.js';
import type { SigningStorage } from './signing-storage.js';

export interface SimDroneOptions {
  clock: Clock;
  sysid?: number;
  compid?: number;
  home: { lat: number; lon: number; altAmslM: number };
  /** Endurance at cruise, minutes (fleet file's endurance_minutes). Default 55. */
  enduranceMin?: number;
  cruiseMps?: number;
  seed?: number;
  faults?: readonly FaultRule[];
  /** Power-on to EKF position, ms. Default 41 326 (captured); the rest of the boot scales with it. */
  warmupMs?: number;
  wind?: WindOptions;
  /** Parameter values at creation (names as in params.ts). */
  params?: Readonly<Record<string, number>>;
  /**
   * Patrol-fleet settings at creation: FS_GCS_ENABLE 1, battery failsafe low → RTL (2) at reservePercent
   * of capacity, critical → LAND (1) at 10 %. Real ArduPilot's defaults are all 0; SimFleet turns this on.
   */
  patrolDefaults?: boolean | { reservePercent?: number };
  /** Initial heading, degrees. */
  headingDeg?: number;
  /**
   * Period of the simulation step, ms (default TICK_MS, 50). Long virtual-time runs (a whole patrol day) may
   * take 100–200 ms: the point mass and the battery integrate over dt; waypoint radii stay far above a step.
   */
  tickMs?: number;
  /** Simulate the captured "mode set at boot is lost when RC becomes valid" (default true). */
  rcModeSwitchAtBoot?: boolean;
  /**
   * The drone carries a MAVLink camera (component 100 on its companion computer, camera.ts) announcing this
   * stream URI in VIDEO_STREAM_INFORMATION ("udp://0.0.0.0:5600", "rtsp://192.168.144.25:8554/main"). Absent:
   * no camera component; the autopilot answers camera requests as ArduCopter without a camera does.
   */
  videoUri?: string;
  /** Overrides of the announced stream (type, encoding, flags, name), for odd cameras in tests. */
  videoStream?: Omit<SimCameraOptions, 'uri'>;
  /**
   * Where the key SETUP_SIGNING gives is kept across restarts (ArduPilot's parameter storage; signing-storage.ts).
   * Absent: in memory only (it survives a MAV_CMD reboot, not a new SimDrone).
   */
  signingStorage?: SigningStorage;
}

/** Parameters a patrol fleet sets at creation (none unless `patrolDefaults`). */
export function patrolParams(opts: SimDroneOptions, capacityMah: number): Record<string, number> {
  if (!opts.patrolDefaults) return {};
  const reserve = typeof opts.patrolDefaults === 'object' ? (opts.patrolDefaults.reservePercent ?? 25) : 25;
  return {
    FS_GCS_ENABLE: 1,
    BATT_FS_LOW_ACT: 2,
    BATT_FS_CRT_ACT: 1,
    BATT_LOW_MAH: Math.round((capacityMah * reserve) / 100),
    BATT_CRT_MAH: Math.round(capacityMah * 0.1),
  };
}
