/**
 * How long a drone can still fly: an energy-based estimate learned per drone from its own flights (pure, on
 * the timestamps of the frames it is given; the Vehicle keeps one and its store persists what it learns).
 *
 *  - Energy used is integrated from the pack's voltage × current (SYS_STATUS and BATTERY_STATUS both carry
 *    them), each sample's power held until the next; a gap longer than MAX_GAP_MS is not bridged.
 *  - The pack's usable energy is learned as Wh per 1 % of the autopilot's remaining %, per 10 % band (the
 *    voltage, hence the energy in a percent of charge, falls as the pack empties). The moments the integer %
 *    steps down are exact boundaries of the charge, so the energy between two steps is that many percent's
 *    worth, free of the % rounding (±0.5 % at each end of an end-to-end ratio). Each band averages its steps,
 *    weighted by count, its memory capped (BAND_MEMORY_STEPS) so it follows an ageing pack.
 *  - The drone's typical flight power (and, for the record, its hover and cruise power) is a long average over
 *    airborne time: a running mean until MODEL_TAU_S of flight is in it, an EWMA of that time constant after.
 *  - Time left = the energy left above the reserve ÷ a power. In the air the power is a slow filter of the
 *    measured power (FLIGHT_TAU_S), seeded at take-off with the learned flight power, so a current spike or a
 *    turn does not move it and a steady cruise counts down a minute a minute (a drone with no learned power
 *    yet: the mean of its flight so far until FLIGHT_TAU_S of it, then that filter). On the ground (landed or
 *    disarmed) it is the learned flight power: what is shown is the endurance the pack would give in flight
 *    (kind 'endurance', 可飞), never the idle current's hundreds of minutes.
 *  - Before a band is learned, a prior from the autopilot's parameters (battery-prior.ts: BATT_CAPACITY and the
 *    cell count) stands in for it, scaled by what the learned bands say of the prior; the learned figures win
 *    where they exist. The prior is never learned from and never saved: it is made afresh from the parameters.
 *  - Hostile inputs: non-finite, negative, out-of-range values and the MAVLink "unknown" sentinels (0xFFFF
 *    volts, −1 current and %) are no sample; the % rising (a pack swapped or charged), consumed mAh going
 *    back, a reboot, or the % falling more than RESET_DROP_PCT at once start a new chain of steps (nothing
 *    learned across them); a step whose Wh per % is off by more than a factor OUTLIER_FACTOR from what the
 *    band knows is not learned.
 *
 * The autopilot's own BATTERY_STATUS.time_remaining is not used. ArduPilot fills it only from a backend that
 * reports one (a smart battery's "run time to empty" over SMBus or DroneCAN: AP_BattMonitor::time_remaining is
 * false and the field 0 otherwise — the analog monitors of most patrol drones, and SITL, send 0). Where it
 * is sent it is the pack's time to empty (not to our reserve) at its present, lightly filtered current: on
 * the ground that is the idle current's hours, in the air it follows every change of load. Neither is a
 * figure a pilot plans with; the energy left above the reserve at the drone's own flight power is.
 */
import type { VehicleState } from './vehicle-state.js';

/** Bands of the remaining %: index b holds b·10 … b·10+10 %. */
export const BANDS = 10;
/** A 1 % step's figure weighs 1; a band remembers this many steps (three flights through it). */
export const BAND_MEMORY_STEPS = 30;
/** The learned powers' time constant once that much airborne time is in them (s). */
export const MODEL_TAU_S = 3 * 3600;
/** The in-flight power filter's time constant (s). */
export const FLIGHT_TAU_S = 600;
/** Samples further apart are not bridged (the energy between them is unknown; the chain of steps breaks). */
export const MAX_GAP_MS = 5000;
/** A fall of more than this in one sample is a reset (another pack, a re-estimate), not a step. */
export const RESET_DROP_PCT = 5;
/** A step more than this factor from its band's figure is a glitch, not learned. */
export const OUTLIER_FACTOR = 2.5;

/** What a drone's flights taught: kept per drone (battery-store.ts), validated on read. */
export interface BatteryModel {
  version: 1;
  /** Wh per 1 % of remaining, per band; null where no step has been seen. */
  whPerPct: (number | null)[];
  /** How many steps each band's figure averages (≤ BAND_MEMORY_STEPS). */
  steps: number[];
  /** Typical power in the air (W), and hovering and cruising; null until flown. */
  flightW: number | null;
  hoverW: number | null;
  cruiseW: number | null;
  /** Airborne seconds in `flightW` (capped at MODEL_TAU_S: it only sets how fast a new flight moves it). */
  flightS: number;
  hoverS: number;
  cruiseS: number;
  /**
   * The autopilot's BATT_CAPACITY (mAh) the Wh per % was learned under (each % is capacity ÷ 100 mAh);
   * absent or null in a file written before it was kept, or while the drone has not told it.
   */
  capacityMah?: number | null;
}

export function emptyBatteryModel(): BatteryModel {
  return { version: 1, whPerPct: Array<number | null>(BANDS).fill(null), steps: Array<number>(BANDS).fill(0), flightW: null, hoverW: null, cruiseW: null, flightS: 0, hoverS: 0, cruiseS: 0 };
}

/** One reading of the pack and the flight, as the vehicle's state has it after a battery message. */
export interface BatteryReading {
  atMs: number;
  voltageV: number | null;
  currentA: number | null;
  remainingPct: number | null;
  consumedMah: number | null;
  /** Airborne (landed state IN_AIR/TAKEOFF/LANDING, or armed and above 1 m when the drone does not say). */
  flying: boolean;
  groundSpeedMps: number | null;
  climbMps: number | null;
  /** The vehicle's reboot count (vehicle-state.ts): a change restarts the chain. */
  reboots: number;
}

/** The live part: this pack, this flight. */
export interface BatteryLive {
  atMs: number | null;
  /** Power of the last valid sample (W); null after an invalid one. */
  powerW: number | null;
  /** Energy integrated since the station first heard the drone (Wh): only differences are used. */
  energyWh: number;
  pct: number | null;
  consumedMah: number | null;
  reboots: number;
  /** The last step of the %: the energy at it and the % it stepped to; null until one is seen on this chain. */
  step: { wh: number; pct: number } | null;
  flying: boolean;
  /** The in-flight power filter (W); null on the ground. */
  smoothW: number | null;
  /** Airborne seconds in `smoothW` (capped at FLIGHT_TAU_S; a filter seeded with the learned power starts full). */
  smoothS: number;
}

export function emptyBatteryLive(): BatteryLive {
  return { atMs: null, powerW: null, energyWh: 0, pct: null, consumedMah: null, reboots: 0, step: null, flying: false, smoothW: null, smoothS: 0 };
}

export interface BatteryTimeLeft {
  /** Seconds until the reserve; null while the pack's energy is not known yet (learning). */
  seconds: number | null;
  /** 'flight': in the air at the present (filtered) power; 'endurance': on the ground, what a flight would get. */
  kind: 'flight' | 'endurance';
  /**
   * Where the pack's energy in `seconds` comes from: 'learned' from this drone's own flights; 'prior' from its
   * parameters only (battery-prior.ts: BATT_CAPACITY and the cell count, nothing learned yet); 'mixed' when
   * bands not learned yet stand in with the prior (scaled by what was learned). null without a figure.
   */
  source: BatterySource | null;
}

export type BatterySource = 'learned' | 'prior' | 'mixed';

const finite = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x);
const valid = {
  volts: (v: number | null): v is number => finite(v) && v > 0.5 && v < 200,
  amps: (a: number | null): a is number => finite(a) && a >= 0 && a < 1000,
  pct: (p: number | null): p is number => finite(p) && p >= 0 && p <= 100,
  mah: (m: number | null): m is number => finite(m) && m >= 0 && m < 1e7,
};
const band = (pct: number): number => Math.min(BANDS - 1, Math.max(0, Math.floor(pct / 10)));

function learnStep(model: BatteryModel, midPct: number, whPerPct: number, count: number): BatteryModel {
  const b = band(midPct);
  const prev = model.whPerPct[b] ?? null;
  if (!(whPerPct > 0) || !Number.isFinite(whPerPct)) return model;
  if (prev !== null && (whPerPct > prev * OUTLIER_FACTOR || whPerPct < prev / OUTLIER_FACTOR)) return model;
  const n = Math.min(BAND_MEMORY_STEPS, (model.steps[b] ?? 0) + count);
  const next = prev === null ? whPerPct : prev + (count / n) * (whPerPct - prev);
  const whPer = [...model.whPerPct];
  const steps = [...model.steps];
  whPer[b] = next;
  steps[b] = n;
  return { ...model, whPerPct: whPer, steps };
}

/** A long average: a running mean until `tau` seconds are in it, then an EWMA of that time constant. */
function longAverage(prev: number | null, seconds: number, x: number, dtS: number): { value: number; seconds: number } {
  if (prev === null || seconds <= 0) return { value: x, seconds: Math.min(MODEL_TAU_S, dtS) };
  const s = Math.min(MODEL_TAU_S, seconds + dtS);
  return { value: prev + (dtS / s) * (x - prev), seconds: s };
}

/**
 * One reading into the estimate. `model` comes back changed when a step or a flight taught something; `landed`
 * is true on the reading that ends a flight (the moment to persist the model).
 */
export function stepBattery(live: BatteryLive, model: BatteryModel, r: BatteryReading): { live: BatteryLive; model: BatteryModel; landed: boolean } {
  if (!finite(r.atMs)) return { live, model, landed: false };
  const okV = valid.volts(r.voltageV), okA = valid.amps(r.currentA);
  const powerW = okV && okA ? r.voltageV! * r.currentA! : null;
  const dtMs = live.atMs === null ? null : r.atMs - live.atMs;
  const bridged = dtMs !== null && dtMs > 0 && dtMs <= MAX_GAP_MS;
  const dtS = bridged ? dtMs / 1000 : 0;
  let energyWh = live.energyWh;
  if (bridged && live.powerW !== null) energyWh += (live.powerW * dtS) / 3600;
  // The energy since the last reading is known: no gap, no clock going back, a power reading to hold.
  let continuous = dtMs !== null && dtMs >= 0 && dtMs <= MAX_GAP_MS && live.powerW !== null;
  // A reboot or charge going back (a reset, another pack) breaks the chain as a gap does.
  if (r.reboots !== live.reboots) continuous = false;
  const mah = valid.mah(r.consumedMah) ? r.consumedMah : null;
  if (mah !== null && live.consumedMah !== null && mah < live.consumedMah - 1) continuous = false;
  const chainOk = live.step !== null && continuous;

  let step = chainOk ? live.step : null;
  let next = model;
  const pct = valid.pct(r.remainingPct) ? Math.round(r.remainingPct) : null;
  if (pct !== null && live.pct !== null && pct !== live.pct) {
    if (pct > live.pct || live.pct - pct > RESET_DROP_PCT) {
      // Charged, swapped or re-estimated: a new chain from the next step down.
      step = null;
    } else if (step !== null && powerW !== null) {
      const count = step.pct - pct;
      if (count > 0) next = learnStep(next, (step.pct + pct) / 2, (energyWh - step.wh) / count, count);
      step = { wh: energyWh, pct };
    } else {
      // The first step of a chain: its anchor.
      step = continuous ? { wh: energyWh, pct } : null;
    }
  }

  // Powers: the learned long averages and the flight's slow filter.
  let smoothW = r.flying ? live.smoothW : null;
  let smoothS = r.flying ? live.smoothS : 0;
  if (r.flying && powerW !== null) {
    if (smoothW === null) {
      // Seeded with the learned flight power; a drone that has none yet starts from this sample (the climb's,
      // a fifth above the cruise's) and averages the flight so far until FLIGHT_TAU_S of it is in the filter —
      // an EWMA from that seed would carry the climb for ten minutes.
      smoothW = model.flightW ?? powerW;
      smoothS = model.flightW !== null ? FLIGHT_TAU_S : 0;
    } else if (dtS > 0 && smoothS < FLIGHT_TAU_S) {
      smoothS = Math.min(FLIGHT_TAU_S, smoothS + dtS);
      smoothW += (dtS / smoothS) * (powerW - smoothW);
    } else if (dtS > 0) smoothW += (1 - Math.exp(-dtS / FLIGHT_TAU_S)) * (powerW - smoothW);
    if (dtS > 0 && live.flying && live.powerW !== null) {
      const f = longAverage(next.flightW, next.flightS, powerW, dtS);
      next = { ...next, flightW: f.value, flightS: f.seconds };
      const gs = finite(r.groundSpeedMps) ? r.groundSpeedMps : null;
      const level = finite(r.climbMps) && Math.abs(r.climbMps) < 0.5;
      if (gs !== null && level && gs < 1.5) {
        const h = longAverage(next.hoverW, next.hoverS, powerW, dtS);
        next = { ...next, hoverW: h.value, hoverS: h.seconds };
      } else if (gs !== null && level && gs > 4) {
        const c = longAverage(next.cruiseW, next.cruiseS, powerW, dtS);
        next = { ...next, cruiseW: c.value, cruiseS: c.seconds };
      }
    }
  }

  const out: BatteryLive = {
    atMs: dtMs !== null && dtMs < 0 ? live.atMs : r.atMs,
    powerW,
    energyWh,
    pct: pct ?? live.pct,
    consumedMah: mah ?? live.consumedMah,
    reboots: r.reboots,
    step,
    flying: r.flying,
    smoothW,
    smoothS,
  };
  return { live: out, model: next, landed: live.flying && !r.flying };
}

/** What the autopilot's parameters say of the pack (battery-prior.ts): a Wh per % for every band. */
export interface WhPrior {
  whPerPct: readonly number[];
}

/**
 * Wh per % at a remaining %: its band's learned figure. A band not learned yet: with a prior, the prior's
 * figure scaled by what the learned bands say of the prior (their figures ÷ the prior's, weighted by steps; 1
 * before any step), so a first flight has a figure from take-off and its lower bands the prior's shape; without
 * one, the nearest learned band's figure; null when nothing is learned and there is no prior.
 */
export function whPerPctAt(model: BatteryModel, pct: number, prior?: WhPrior | null): number | null {
  const b = band(pct);
  const own = model.whPerPct[b];
  if (own !== undefined && own !== null) return own;
  if (prior) {
    let w = 0, sum = 0;
    for (let i = 0; i < BANDS; i++) {
      const x = model.whPerPct[i], p = prior.whPerPct[i], n = model.steps[i] ?? 0;
      if (x !== undefined && x !== null && p !== undefined && p > 0 && n > 0) {
        sum += n * (x / p);
        w += n;
      }
    }
    const p = prior.whPerPct[b];
    if (p !== undefined && Number.isFinite(p) && p > 0) return p * (w > 0 ? sum / w : 1);
  }
  for (let d = 1; d < BANDS; d++) {
    const lo = model.whPerPct[b - d];
    const hi = model.whPerPct[b + d];
    if (lo !== undefined && lo !== null && hi !== undefined && hi !== null) return (lo + hi) / 2;
    if (lo !== undefined && lo !== null) return lo;
    if (hi !== undefined && hi !== null) return hi;
  }
  return null;
}

/** Whether the energy between two remaining percentages is the drone's own learning or the prior's (see `BatteryTimeLeft`). */
export function energySource(model: BatteryModel, fromPct: number, toPct: number, prior?: WhPrior | null): BatterySource {
  let fromPrior = false;
  const last = band(Math.max(fromPct, Math.min(100, toPct) - 1e-9));
  for (let b = band(Math.max(0, fromPct)); b <= last; b++) {
    const own = model.whPerPct[b];
    if (own !== undefined && own !== null) continue;
    const p = prior?.whPerPct[b];
    if (p !== undefined && Number.isFinite(p) && p > 0) fromPrior = true;
  }
  if (!fromPrior) return 'learned';
  return model.steps.some((n) => n > 0) ? 'mixed' : 'prior';
}

/** Energy between two remaining percentages (from < to), band by band (Wh); null when nothing is known. */
export function energyBetweenWh(model: BatteryModel, fromPct: number, toPct: number, prior?: WhPrior | null): number | null {
  if (whPerPctAt(model, fromPct, prior) === null) return null;
  let wh = 0;
  let p = Math.max(0, fromPct);
  const end = Math.min(100, toPct);
  while (p < end) {
    const edge = Math.min(end, (band(p) + 1) * 10);
    wh += (edge - p) * whPerPctAt(model, (p + edge) / 2, prior)!;
    if (edge <= p) break;
    p = edge;
  }
  return wh;
}

/**
 * The remaining % now, finer than the autopilot's integer: since the last step (at pct + 0.5, where a rounded
 * % steps), less the energy used since then at that band's Wh per %. Without a step on this chain, the %.
 * ArduPilot truncates its % (capacity_remaining_pct as uint8), so its steps come at pct + 1: read as pct + 0.5
 * that is half a percent low, on the safe side.
 */
export function remainingPctNow(live: BatteryLive, model: BatteryModel, prior?: WhPrior | null): number | null {
  if (live.pct === null) return null;
  if (live.step === null || live.step.pct !== live.pct) return live.pct;
  const w = whPerPctAt(model, live.pct, prior);
  if (w === null) return live.pct;
  const used = (live.energyWh - live.step.wh) / w;
  return Math.min(live.pct + 0.5, Math.max(live.pct - 0.5, live.pct + 0.5 - used));
}

/** Seconds until the reserve (see the file's comment). */
export function batteryTimeLeft(live: BatteryLive, model: BatteryModel, reservePct: number, prior?: WhPrior | null): BatteryTimeLeft {
  const kind = live.flying ? 'flight' : 'endurance';
  const now = remainingPctNow(live, model, prior);
  const powerW = live.flying ? live.smoothW : model.flightW;
  if (now === null || powerW === null || !(powerW > 1)) return { seconds: null, kind, source: null };
  if (now <= reservePct) return { seconds: 0, kind, source: energySource(model, now, now, prior) };
  const wh = energyBetweenWh(model, reservePct, now, prior);
  if (wh === null) return { seconds: null, kind, source: null };
  return { seconds: Math.round((wh / powerW) * 3600), kind, source: energySource(model, reservePct, now, prior) };
}

/** Airborne by the landed state when the drone sends one; else armed and above 1 m. */
export function isFlying(s: Pick<VehicleState, 'armed' | 'landedState' | 'position'>): boolean {
  if (!s.armed) return false;
  const l = s.landedState;
  if (l === 'IN_AIR' || l === 'TAKEOFF' || l === 'LANDING') return true;
  if (l === 'ON_GROUND') return false;
  return (s.position?.altRelM ?? 0) > 1;
}

/** The reading a battery message leaves in the vehicle's state. */
export function batteryReadingOf(s: VehicleState, atMs: number): BatteryReading {
  const b = s.battery;
  return {
    atMs,
    voltageV: b?.voltageV ?? null,
    currentA: b?.currentA ?? null,
    remainingPct: b?.remainingPct ?? null,
    consumedMah: b?.consumedMah ?? null,
    flying: isFlying(s),
    groundSpeedMps: s.velocity?.groundSpeedMps ?? null,
    climbMps: s.velocity?.climbMps ?? null,
    reboots: s.reboots,
  };
}
