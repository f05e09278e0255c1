/**
 * The flight battery: current drawn from the flight state, charge used (mAh), remaining %, and a voltage
 * that falls with charge and sags under load.
 *
 * Sizing: the capacity is chosen so that continuous cruise at `cruiseMps` lasts `enduranceMin` minutes
 * (the fleet file's endurance_minutes, 55 in the sample). Load: 0 A disarmed (as SITL reports), ~4 A
 * armed on the ground (capture: 3.96 A); in the air the motors ask for a power — hover power (`hoverCurrentA`
 * at the pack's nominal 3.85 V/cell) rising with the square of airspeed and with climb — and the pack gives
 * it at its terminal voltage, so the current rises as the voltage falls (as a real multirotor's does: the
 * energy, not the charge, is what a flight spends). Remaining % is charge-based (as ArduPilot computes it from
 * BATT_CAPACITY, which may not describe the pack: `ratedMah`). Voltage: a 3S pack, 12.6 V full (SITL's value), 3.5 V/cell empty (open-circuit voltage
 * linear in charge), 3 mΩ/cell internal resistance (sag under load). A `sag` fault drops the voltage and
 * multiplies the drain.
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
const CELL_NOMINAL_V = (CELL_FULL_V + CELL_EMPTY_V) / 2;

export class Battery {
  /** What the pack really holds (mAh): its voltage follows this charge. */
  readonly capacityMah: number;
  /**
   * What the autopilot is told it holds: BATT_CAPACITY (the drone keeps it in step with the parameter). ArduPilot's
   * remaining % and mAh are computed from it (AP_BattMonitor: capacity_remaining_pct, capacity_remaining_mah), so
   * a parameter that does not describe the pack makes the % wrong as on a real drone; 0 or less: no % (−1 on
   * the wire). Starts as the pack's capacity (the fleet sets BATT_CAPACITY so).
   */
  ratedMah: number;
  readonly cells: number;
  consumedMah = 0;
  /** Energy used, Wh. */
  consumedWh = 0;
  currentA = 0;
  voltageV: number;
  private readonly hoverW: number;
  private readonly cruiseMps: number;

  constructor(opts: BatteryOptions) {
    this.cells = opts.cells ?? 3;
    this.hoverW = (opts.hoverCurrentA ?? 28) * this.cells * CELL_NOMINAL_V;
    this.cruiseMps = opts.cruiseMps ?? 10;
    // Cruise from full to empty takes T = C · ∫₀¹ dsoc / I(soc) at the cruise power: solve for C.
    const cruiseW = this.flightPowerW(this.cruiseMps, 0);
    let hoursPerAh = 0;
    const n = 200;
    for (let i = 0; i < n; i++) hoursPerAh += 1 / n / this.currentForA(cruiseW, (i + 0.5) / n, 0);
    this.capacityMah = Math.round(((opts.enduranceMin / 60) / hoursPerAh) * 1000);
    this.ratedMah = this.capacityMah;
    this.voltageV = this.cells * CELL_FULL_V;
  }

  /** Power the motors ask for at an airspeed and climb rate, without faults (W). */
  flightPowerW(airspeedMps: number, climbMps: number): number {
    const v = airspeedMps / this.cruiseMps;
    const climb = climbMps > 0 ? 0.2 * (climbMps / 2.5) : 0;
    return this.hoverW * (1 + SPEED_FACTOR * v * v + climb);
  }

  /** Open-circuit voltage at a state of charge (0..1). */
  private openCircuitV(soc: number): number {
    return this.cells * (CELL_EMPTY_V + (CELL_FULL_V - CELL_EMPTY_V) * Math.max(0, Math.min(1, soc)));
  }

  /** The current that delivers `powerW` at the terminals: P = (Voc − drop − I·R)·I, the smaller root. */
  private currentForA(powerW: number, soc: number, dropV: number): number {
    const voc = Math.max(0.1, this.openCircuitV(soc) - dropV);
    const r = this.cells * CELL_R_OHM;
    const disc = voc * voc - 4 * r * powerW;
    // Asked for more than the pack can give: it gives its maximum power (at half the open-circuit voltage).
    return disc <= 0 ? voc / (2 * r) : (voc - Math.sqrt(disc)) / (2 * r);
  }

  /** Remaining charge as the autopilot reports it, 0..100 % of BATT_CAPACITY; −1 when that is not set (≤ 0). */
  get remainingPct(): number {
    if (!(this.ratedMah > 0)) return -1;
    return Math.max(0, 100 * (1 - this.consumedMah / this.ratedMah));
  }

  /** Remaining charge as the autopilot computes it (BATT_CAPACITY less what it counted), for the mAh failsafes. */
  get remainingMah(): number {
    return Math.max(0, this.ratedMah - this.consumedMah);
  }

  /** The pack's own state of charge, 0..1. */
  private get soc(): number {
    return Math.max(0, 1 - this.consumedMah / this.capacityMah);
  }

  /** Advance by dtS seconds under a load. */
  step(dtS: number, load: BatteryLoad, sag: BatterySag = { voltDropV: 0, drainFactor: 1 }): void {
    const soc0 = this.soc;
    let a = 0;
    if (load.armed) {
      a = load.flying ? this.currentForA(this.flightPowerW(load.airspeedMps, load.climbMps) * sag.drainFactor, soc0, sag.voltDropV) : GROUND_ARMED_A * sag.drainFactor;
    }
    this.currentA = a;
    const mah = (a * dtS * 1000) / 3600;
    this.consumedMah = Math.min(this.capacityMah * 1.2, this.consumedMah + mah);
    const soc = this.soc;
    this.voltageV = Math.max(0, this.openCircuitV(soc) - this.cells * CELL_R_OHM * a - sag.voltDropV);
    this.consumedWh += (this.voltageV * a * dtS) / 3600;
  }

  /** Refill (a reboot on the dock does not recharge; this is for tests and a future charger model). */
  recharge(): void {
    this.consumedMah = 0;
    this.consumedWh = 0;
  }
}
