/**
 * A drone's battery before it has flown with this station: a prior for the Wh per % of each band
 * (battery-estimate.ts) from what the autopilot itself is configured with (pure).
 *
 *  - ArduPilot's remaining % is charge: 100 × (1 − consumed mAh ÷ BATT_CAPACITY). A 1 % step is therefore
 *    BATT_CAPACITY ÷ 100 mAh whatever the pack really holds, and its energy is that charge × the pack's voltage
 *    at that charge. BATT_CAPACITY (mAh, default 3300, no documented range, increment 50) is checked here:
 *    finite and within MIN/MAX_CAPACITY_MAH, else no prior.
 *  - The pack's voltage is cells × a LiPo cell's voltage at that charge under a flight load (CELL_V, less
 *    SAG_V). The cell count, in this order:
 *      MOT_BAT_VOLT_MAX — "Recommend 4.2 × cell count, 0 = Disabled", range 6–53 V (AP_MotorsMulticopter);
 *      BATT_ARM_VOLT — 0 (off) by default; Mission Planner's initial parameters set it to
 *        (cells − 1) × 0.1 + 3.6 × cells for LiPo;
 *      the live voltage at the live %: the count whose cell voltage at that % is nearest.
 *    A parameter is evidence only when set (both default to 0 on ArduPilot) and only when the live voltage, if
 *    there is one, agrees with it (3.0–4.45 V a cell): an operator who changed packs and not the parameter is
 *    caught by the voltage.
 *
 * The learned model wins: a band with a learned figure uses it, and the prior only shapes the bands not
 * learned yet, scaled by what the learned bands say of it (battery-estimate.ts, whPerPctAt).
 */

/** Per-cell open-circuit voltage of a LiPo at 0, 5, …, 100 % charge (the usual resting table). */
const CELL_V = [3.27, 3.61, 3.69, 3.71, 3.73, 3.75, 3.77, 3.79, 3.8, 3.82, 3.84, 3.85, 3.87, 3.91, 3.95, 3.98, 4.02, 4.08, 4.11, 4.15, 4.2];
/** A cell's sag under a multirotor's flight load (V): the energy is spent at the terminals. */
export const SAG_V = 0.1;
export const MIN_CAPACITY_MAH = 200;
export const MAX_CAPACITY_MAH = 200_000;
const MAX_CELLS = 14;

/** The parameters the prior is made from, as the autopilot reported them (PARAM_VALUE); null: not heard. */
export interface BatteryParams {
  BATT_CAPACITY: number | null;
  MOT_BAT_VOLT_MAX: number | null;
  BATT_ARM_VOLT: number | null;
}
export const BATTERY_PARAM_NAMES = ['BATT_CAPACITY', 'MOT_BAT_VOLT_MAX', 'BATT_ARM_VOLT'] as const;

export function noBatteryParams(): BatteryParams {
  return { BATT_CAPACITY: null, MOT_BAT_VOLT_MAX: null, BATT_ARM_VOLT: null };
}

export interface BatteryPrior {
  /** Wh per 1 % of remaining, per 10 % band (always a figure). */
  whPerPct: number[];
  capacityMah: number;
  cells: number;
  /** Where the cell count came from. */
  cellsFrom: 'MOT_BAT_VOLT_MAX' | 'BATT_ARM_VOLT' | 'voltage';
}

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** A LiPo cell's resting voltage at a charge (%), interpolated in the table. */
export function cellVoltageAt(pct: number): number {
  const p = Math.max(0, Math.min(100, pct)) / 5;
  const i = Math.min(CELL_V.length - 2, Math.floor(p));
  return CELL_V[i]! + (p - i) * (CELL_V[i + 1]! - CELL_V[i]!);
}

/** BATT_CAPACITY if it is one a patrol drone can have. */
export function validCapacityMah(x: number | null): number | null {
  return finite(x) && x >= MIN_CAPACITY_MAH && x <= MAX_CAPACITY_MAH ? x : null;
}

/** The live voltage agrees with `cells` (or there is none to disagree). */
const agrees = (cells: number, v: number | null): boolean => v === null || (v / cells >= 3.0 && v / cells <= 4.45);

/** The cell count, from the parameters when set and consistent, else the live voltage at the live %. */
export function cellCount(p: BatteryParams, voltageV: number | null, pct: number | null): { cells: number; from: BatteryPrior['cellsFrom'] } | null {
  const v = finite(voltageV) && voltageV > 0.5 && voltageV < 200 ? voltageV : null;
  const max = p.MOT_BAT_VOLT_MAX;
  if (finite(max) && max >= 6 && max <= 53) {
    const n = Math.round(max / 4.2);
    if (n >= 1 && n <= MAX_CELLS && max / n >= 3.9 && max / n <= 4.45 && agrees(n, v)) return { cells: n, from: 'MOT_BAT_VOLT_MAX' };
  }
  const arm = p.BATT_ARM_VOLT;
  if (finite(arm) && arm > 0 && arm < 60) {
    const n = Math.round((arm + 0.1) / 3.7);
    if (n >= 1 && n <= MAX_CELLS && arm / n >= 3.3 && arm / n <= 4.0 && agrees(n, v)) return { cells: n, from: 'BATT_ARM_VOLT' };
  }
  if (v !== null && finite(pct) && pct >= 0 && pct <= 100) {
    // Under load the voltage is lower than at rest by about SAG_V a cell: halfway is right either way.
    const cellV = cellVoltageAt(pct) - SAG_V / 2;
    const n = Math.round(v / cellV);
    if (n >= 1 && n <= MAX_CELLS && Math.abs(v / n - cellV) <= 0.3) return { cells: n, from: 'voltage' };
  }
  return null;
}

/** The prior, or null when BATT_CAPACITY is not known (or not sane) or the cell count cannot be told. */
export function batteryPrior(p: BatteryParams, voltageV: number | null, pct: number | null): BatteryPrior | null {
  const capacityMah = validCapacityMah(p.BATT_CAPACITY);
  if (capacityMah === null) return null;
  const c = cellCount(p, voltageV, pct);
  if (!c) return null;
  const whPerPct: number[] = [];
  for (let b = 0; b < 10; b++) {
    // The band's mean cell voltage (the table is piecewise linear: its 5 % points and the ends suffice).
    const mean = (cellVoltageAt(b * 10) + 2 * cellVoltageAt(b * 10 + 5) + cellVoltageAt(b * 10 + 10)) / 4;
    whPerPct.push(((capacityMah / 1000) * c.cells * (mean - SAG_V)) / 100);
  }
  return { whPerPct, capacityMah, cells: c.cells, cellsFrom: c.from };
}

/**
 * The model under the capacity the drone reports now (docs/battery.md, "When BATT_CAPACITY changes"). A model
 * that does not say its capacity (an older file, or learned before the drone told it) is taken as learned under
 * this one; the same capacity changes nothing. A different valid capacity makes every % a different charge and
 * maps each band to a different part of the pack, and usually means another pack: the Wh per % bands learned
 * under the old one are dropped (learning starts again; the prior from the new capacity stands in), the powers
 * (the airframe's, measured as volts × amps) are kept. `dropped`: the capacity it was learned under, when bands
 * were dropped (to say once). An invalid capacity changes nothing.
 */
export function modelUnderCapacity<M extends { whPerPct: (number | null)[]; steps: number[]; capacityMah?: number | null }>(
  model: M,
  reported: number | null,
): { model: M; dropped: number | null } {
  const cap = validCapacityMah(reported);
  if (cap === null || model.capacityMah === cap) return { model, dropped: null };
  const was = model.capacityMah ?? null;
  if (was === null) return { model: { ...model, capacityMah: cap }, dropped: null };
  const learned = model.steps.some((n) => n > 0);
  return {
    model: { ...model, whPerPct: model.whPerPct.map(() => null), steps: model.steps.map(() => 0), capacityMah: cap },
    dropped: learned ? was : null,
  };
}
