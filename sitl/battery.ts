/**
 * The flight battery: current drawn from the flight state, charge used (mAh), remaining %, and a voltage
 * that falls with charge and sags under load.
 *
 * Sizing: the capacity is chosen so that continuous cruise at `cruiseMps` lasts `enduranceMin` minutes
 * (the fleet file's endurance_minutes, 55 in the sample). Current: 0 A disarmed (as SITL reports), ~4 A
 * armed on the ground (capture: 3.96 A), hover current in the air rising with the square of airspeed and
 * with climb. Remaining % is charge-based (as ArduPilot computes it from BATT_CAPACITY). Voltage: a 3S pack,
 * 12.6 V full (SITL's value), 3.5 V/cell empty, 3 mΩ/cell internal resistance. A `sag` fault drops the
 * voltage and multiplies the drain.
 */

export interface BatteryOptions {
  enduranceMin: number;
  cruiseMps?: number;
  hoverCurrentA?: number;
  cells?: number;
}

export interface BatteryLoad {
  armed: boolean;
  flying: boolean;
  airspeedMps: number;
  climbMps: number;
}

export interface BatterySag {
  /** Volts subtracted from the pack voltage. */
  voltDropV: number;
  /** Multiplier on the current (1 = none). */
  drainFactor: number;
}

const GROUND_ARMED_A = 4;
const SPEED_FACTOR = 0.15;
const CELL_FULL_V = 4.2;
const CELL_EMPTY_V = 3.5;
const CELL_R_OHM = 0.003;

export class Battery {
  readonly capacityMah: number;
  readonly cells: number;
  consumedMah = 0;
  /** Energy used, Wh. */
  consumedWh = 0;
  currentA = 0;
  voltageV: number;
  private readonly hoverA: number;
  private readonly cruiseMps: number;

  constructor(opts: BatteryOptions) {
    this.cells = opts.cells ?? 3;
    this.hoverA = opts.hoverCurrentA ?? 28;
    this.cruiseMps = opts.cruiseMps ?? 10;
    const cruiseA = this.flightCurrentA(this.cruiseMps, 0);
    this.capacityMah = Math.round(cruiseA * (opts.enduranceMin / 60) * 1000);
    this.voltageV = this.cells * CELL_FULL_V;
  }

  /** Current in level flight at an airspeed and climb rate, without faults. */
  flightCurrentA(airspeedMps: number, climbMps: number): number {
    const v = airspeedMps / this.cruiseMps;
    const climb = climbMps > 0 ? 0.2 * (climbMps / 2.5) : 0;
    return this.hoverA * (1 + SPEED_FACTOR * v * v + climb);
  }

  /** Remaining charge, 0..100 %. */
  get remainingPct(): number {
    return Math.max(0, 100 * (1 - this.consumedMah / this.capacityMah));
  }

  get remainingMah(): number {
    return Math.max(0, this.capacityMah - this.consumedMah);
  }

  /** Advance by dtS seconds under a load. */
  step(dtS: number, load: BatteryLoad, sag: BatterySag = { voltDropV: 0, drainFactor: 1 }): void {
    let a = 0;
    if (load.armed) a = load.flying ? this.flightCurrentA(load.airspeedMps, load.climbMps) : GROUND_ARMED_A;
    a *= sag.drainFactor;
    this.currentA = a;
    const mah = (a * dtS * 1000) / 3600;
    this.consumedMah = Math.min(this.capacityMah * 1.2, this.consumedMah + mah);
    const soc = Math.max(0, this.remainingPct / 100);
    this.voltageV = Math.max(0, this.cells * (CELL_EMPTY_V + (CELL_FULL_V - CELL_EMPTY_V) * soc) - this.cells * CELL_R_OHM * a - sag.voltDropV);
    this.consumedWh += (this.voltageV * a * dtS) / 3600;
  }

  /** Refill (a reboot on the dock does not recharge; this is for tests and a future charger model). */
  recharge(): void {
    this.consumedMah = 0;
    this.consumedWh = 0;
  }
}
