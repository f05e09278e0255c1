/**
 * The battery estimate against the simulator's truth: a simulated ArduCopter (sitl/, its battery spending
 * power at its terminal voltage) flies patrol-like flights on a FakeClock — take-off, cruise legs, a hover
 * at each corner, on until its battery failsafe (BATT_LOW_MAH at the reserve) brings it home — and the
 * station's reducer and battery estimate (station/vehicle/battery-estimate.ts) read its MAVLink as the
 * station does. Each second of flight records the estimate, the formula used before it, and, afterwards,
 * the truth: the time until the pack actually reached the reserve.
 *
 * Used by tests/system/battery-estimate.test.ts (asserts) and bench/battery-estimate.ts (prints the figures).
 */
import { common } from 'mavlink-mappings';
import { GcsHarness } from '../../sitl/testkit.js';
import { batteryReadingOf, batteryTimeLeft, emptyBatteryLive, emptyBatteryModel, stepBattery, type BatteryModel } from '../../station/vehicle/battery-estimate.js';
import { batteryPrior, BATTERY_PARAM_NAMES, noBatteryParams, type BatteryParams, type BatteryPrior } from '../../station/vehicle/battery-prior.js';
import { STREAM_TABLE } from '../../station/vehicle/streams.js';
import { initialVehicleState, reduceVehicle, type Battery, type VehicleState } from '../../station/vehicle/vehicle-state.js';

export type Phase = 'ground' | 'climb' | 'cruise' | 'hover' | 'home';

export interface Second {
  /** Seconds since take-off. */
  tS: number;
  phase: Phase;
  /** The estimate (s) and its kind. */
  estS: number | null;
  kind: 'flight' | 'endurance' | null;
  /** The formula before this change: charge left implied by the % used, at the instantaneous current (s). */
  oldS: number | null;
  /** The simulator's own remaining % (not rounded). */
  truePct: number;
}

export interface FlightResult {
  seconds: Second[];
  /** Seconds after take-off when the pack reached the reserve. */
  reserveAtS: number;
  /** The last reading after landing and the endurance shown then. */
  landedPct: number;
  /** The pack as the station read it after landing (for what the formula before this change showed). */
  landedBattery: Battery | null;
  landedEst: { seconds: number | null; kind: 'flight' | 'endurance' | null };
}

export interface FlightsOptions {
  enduranceMin: number;
  reservePct?: number;
  flights: number;
  /** Side of the square patrolled (m) and the hover at each corner (s). */
  sideM?: number;
  hoverS?: number;
  /** The simulator's tick (ms). */
  tickMs?: number;
  /** The model to start from (a drone that has flown before). */
  model?: BatteryModel;
  /** Stop the last flight early, landing where it is when the pack is at this % (the "landed at 92 %" case). */
  landAtPct?: number;
  /**
   * The prior (battery-prior.ts), made as the Vehicle makes it at the first battery reading: 'drone' from the
   * simulated autopilot's own BATT_CAPACITY / MOT_BAT_VOLT_MAX / BATT_ARM_VOLT, or from the parameters given
   * (a fixed default); none when absent.
   */
  prior?: 'drone' | Partial<BatteryParams>;
  /** The drone's parameters at creation (a pack BATT_CAPACITY does not describe, …). */
  params?: Readonly<Record<string, number>>;
}

/** The station's time left before this change (vehicle-state.ts until issue 15), for the comparison. */
export function oldTimeLeftS(b: Battery | null): number | null {
  if (!b) return null;
  const { currentA, remainingPct, consumedMah } = b;
  if (currentA === null || remainingPct === null || consumedMah === null) return null;
  if (currentA < 0.5 || remainingPct <= 0 || remainingPct >= 100 || consumedMah <= 0) return null;
  const leftMah = (consumedMah * remainingPct) / (100 - remainingPct);
  return Math.round((leftMah / (currentA * 1000)) * 3600);
}

const GUIDED = 4;
const RTL = 6;
const LAND = 9;

export function flyBatteryFlights(o: FlightsOptions): { flights: FlightResult[]; model: BatteryModel; prior: BatteryPrior | null } {
  const reserve = o.reservePct ?? 25;
  const h = new GcsHarness({ enduranceMin: o.enduranceMin, patrolDefaults: { reservePercent: reserve }, tickMs: o.tickMs ?? 100, ...(o.params ? { params: o.params } : {}) });
  const step = o.tickMs ?? 100;
  let state: VehicleState = initialVehicleState(h.drone.sysid, h.drone.compid, 3, 2);
  let live = emptyBatteryLive();
  let model = o.model ?? emptyBatteryModel();
  const params: BatteryParams | null =
    o.prior === undefined ? null : o.prior === 'drone' ? Object.fromEntries(BATTERY_PARAM_NAMES.map((n) => [n, h.drone.params.get(n)])) as unknown as BatteryParams : { ...noBatteryParams(), ...o.prior };
  let prior: BatteryPrior | null = null;
  h.gcs.onMessage((r) => {
    if (!r.message || r.frame.sysid !== h.drone.sysid || r.frame.compid !== h.drone.compid) return;
    const before = state;
    state = reduceVehicle(state, { type: 'frame', link: 'sim', sysid: r.frame.sysid, compid: r.frame.compid, seq: r.frame.seq, msgid: r.frame.msgid, message: r.message, atMs: r.atMs });
    if (state !== before && (r.message instanceof common.SysStatus || r.message instanceof common.BatteryStatus)) {
      if (params && !prior) prior = batteryPrior(params, state.battery?.voltageV ?? null, state.battery?.remainingPct ?? null);
      const out = stepBattery(live, model, batteryReadingOf(state, r.atMs));
      live = out.live;
      model = out.model;
    }
  });
  // The station's streams at its rates, as it asks for them.
  for (const t of STREAM_TABLE) {
    const hz = t.hz;
    if (hz > 0) h.command(common.MavCmd.SET_MESSAGE_INTERVAL, [t.id, Math.round(1e6 / hz)]);
  }
  const estimate = () => batteryTimeLeft(live, model, reserve, prior);

  const flights: FlightResult[] = [];
  for (let f = 0; f < o.flights; f++) {
    if (f > 0) {
      // On the dock: a fresh pack (the % goes back up), a minute on the ground.
      h.drone.battery.recharge();
      h.advance(60_000, step);
    }
    const seconds: Second[] = [];
    let reserveAtS = -1;
    let tS = 0;
    let phase: Phase = 'climb';
    const record = (): void => {
      const e = estimate();
      const pct = h.drone.battery.remainingPct;
      if (reserveAtS < 0 && pct <= reserve) reserveAtS = tS;
      seconds.push({ tS, phase, estS: e.seconds, kind: live.atMs === null ? null : e.kind, oldS: oldTimeLeftS(state.battery), truePct: pct });
    };
    const second = (): void => {
      h.advance(1000, step);
      tS++;
      record();
    };
    const landing = () => o.landAtPct !== undefined && f === o.flights - 1 && h.drone.battery.remainingPct <= o.landAtPct;
    const failsafe = () => h.drone.mode === RTL || landing();

    if (!h.drone.positionOk()) h.waitForPosition();
    h.setMode(GUIDED);
    h.command(common.MavCmd.COMPONENT_ARM_DISARM, [1]);
    h.command(common.MavCmd.NAV_TAKEOFF, [0, 0, 0, 0, 0, 0, 30]);
    while (Math.abs(h.drone.physics.state.upM - 30) > 0.5 && tS < 120) second();
    const side = o.sideM ?? 600;
    const corners = [[side, 0], [side, side], [0, side], [0, 0]] as const;
    for (let c = 0; !failsafe(); c = (c + 1) % corners.length) {
      const [n, e] = corners[c]!;
      const lat = 24.59 + n / 111_320;
      const lon = 118.262 + e / (111_320 * Math.cos((24.59 * Math.PI) / 180));
      h.commandInt(common.MavCmd.DO_REPOSITION, [-1, 0, 0, NaN], lat, lon, 30);
      phase = 'cruise';
      const at = () => Math.hypot(h.drone.physics.state.nM - n, h.drone.physics.state.eM - e) < 3;
      while (!at() && !failsafe()) second();
      phase = 'hover';
      for (let s = 0; s < (o.hoverS ?? 90) && !failsafe(); s++) second();
    }
    phase = 'home';
    if (landing()) h.setMode(LAND);
    // Home and landed: the failsafe's RTL lands and disarms.
    while (h.drone.armed && tS < 4 * 3600) second();
    phase = 'ground';
    for (let s = 0; s < 30; s++) second();
    const e = estimate();
    flights.push({ seconds, reserveAtS, landedPct: state.battery?.remainingPct ?? -1, landedBattery: state.battery, landedEst: { seconds: e.seconds, kind: e.kind } });
  }
  h.stop();
  return { flights, model, prior };
}

export interface Figures {
  samples: number;
  /** Absolute error, minutes: median and 95th percentile; and as % of the truth. */
  medianMin: number;
  p95Min: number;
  medianPct: number;
  p95Pct: number;
  /** Steady cruise: the most the figure moved in one minute, beyond the minute that passed (min per min). */
  steadiestCruiseMaxMinPerMin: number;
  /** Seconds with no figure. */
  missing: number;
}

const quantile = (xs: number[], q: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))]!;
};

/**
 * Error against the truth over a flight's airborne seconds before the reserve (from `fromS` after take-off),
 * and steadiness over whole minutes of steady cruise (every second of the minute in cruise).
 */
export function figures(f: FlightResult, pick: (s: Second) => number | null, fromS = 60): Figures {
  const abs: number[] = [];
  const rel: number[] = [];
  let missing = 0;
  for (const s of f.seconds) {
    if (s.tS < fromS || s.tS >= f.reserveAtS || s.phase === 'ground') continue;
    const est = pick(s);
    if (est === null) {
      missing++;
      continue;
    }
    const truth = f.reserveAtS - s.tS;
    abs.push(Math.abs(est - truth));
    rel.push((100 * Math.abs(est - truth)) / truth);
  }
  let worst = 0;
  const byT = new Map(f.seconds.map((s) => [s.tS, s] as const));
  for (const s of f.seconds) {
    if (s.tS < fromS || s.tS + 60 >= f.reserveAtS) continue;
    let steady = true;
    for (let k = 0; k <= 60 && steady; k++) steady = byT.get(s.tS + k)?.phase === 'cruise';
    if (!steady) continue;
    const a = pick(s), b = pick(byT.get(s.tS + 60)!);
    if (a === null || b === null) continue;
    worst = Math.max(worst, Math.abs(b - (a - 60)) / 60);
  }
  return {
    samples: abs.length,
    medianMin: quantile(abs, 0.5) / 60,
    p95Min: quantile(abs, 0.95) / 60,
    medianPct: quantile(rel, 0.5),
    p95Pct: quantile(rel, 0.95),
    steadiestCruiseMaxMinPerMin: worst,
    missing,
  };
}
