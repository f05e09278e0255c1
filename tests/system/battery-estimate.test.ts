/**
 * The battery's time left against the simulator's truth (tests/system/battery-flight.ts): a drone with the
 * sample fleet's 55 min endurance flies patrol squares (cruise legs, a 90 s hover at each corner) until its
 * battery failsafe at the 25 % reserve, twice; the second flight is judged, the first is the one it learns
 * from. The bounds come from the simulator's physics, not from the figures: the power a flight draws lies
 * between hover and cruise (climbs are brief), so an estimate whose power is any mix of the two is within
 * their spread of the truth; a steady cruise after a hover can move the flight filter (600 s) by at most that
 * spread × (1 − e^(−60/600)) of the time left in a minute.
 */
import { describe, expect, it } from 'vitest';
import { Battery } from '../../sitl/battery.js';
import { FLIGHT_TAU_S } from '../../station/vehicle/battery-estimate.js';
import { figures, flyBatteryFlights } from './battery-flight.js';

const b = new Battery({ enduranceMin: 55, cruiseMps: 10 });
const SPREAD = (b.flightPowerW(10, 0) - b.flightPowerW(0, 0)) / b.flightPowerW(0, 0);

describe('battery time left against the simulator', () => {
  it('after a learning flight: within the hover/cruise power spread of the truth, and steadier than the old formula', () => {
    const { flights } = flyBatteryFlights({ enduranceMin: 55, flights: 2 });
    const judged = flights[1]!;
    expect(judged.reserveAtS).toBeGreaterThan(30 * 60);
    const now = figures(judged, (s) => s.estS);
    const old = figures(judged, (s) => s.oldS);
    expect(now.missing).toBe(0);
    expect(now.samples).toBeGreaterThan(30 * 60);
    expect(now.p95Pct).toBeLessThan(100 * SPREAD);
    expect(now.medianPct).toBeLessThan((100 * SPREAD) / 2);
    const steadyBound = SPREAD * (1 - Math.exp(-60 / FLIGHT_TAU_S)) * (judged.reserveAtS / 60);
    expect(now.steadiestCruiseMaxMinPerMin).toBeLessThan(steadyBound);
    expect(now.steadiestCruiseMaxMinPerMin).toBeLessThan(old.steadiestCruiseMaxMinPerMin);
    expect(now.medianMin).toBeLessThan(old.medianMin);
    // The first flight learned as it flew: a figure from its second minute on.
    expect(figures(flights[0]!, (s) => s.estS).missing).toBe(0);
  });

  it('a first flight seeded from the drone\'s own BATT_CAPACITY: a figure from take-off, within the bounds a learned flight meets', () => {
    const seeded = flyBatteryFlights({ enduranceMin: 55, flights: 1, prior: 'drone' });
    const bare = flyBatteryFlights({ enduranceMin: 55, flights: 1 });
    expect(seeded.prior).toMatchObject({ cells: 3, cellsFrom: 'MOT_BAT_VOLT_MAX' });
    const f = figures(seeded.flights[0]!, (x) => x.estS, 0);
    const g = figures(bare.flights[0]!, (x) => x.estS, 0);
    // From take-off: the first reading in the air has no power integrated yet; without a prior, until two steps.
    expect(f.missing).toBeLessThanOrEqual(1);
    expect(g.missing).toBeGreaterThan(30);
    expect(f.p95Pct).toBeLessThan(100 * SPREAD);
    expect(f.medianPct).toBeLessThan((100 * SPREAD) / 2);
    expect(f.medianMin).toBeLessThan(g.medianMin);
    // The prior shaped the estimate, not the model: the same flight teaches the same figures either way.
    expect(seeded.model).toEqual(bare.model);
  });

  it('landed at 92 %: the flight endurance the pack would give (可飞), not hundreds of minutes', () => {
    const { flights } = flyBatteryFlights({ enduranceMin: 55, flights: 2, landAtPct: 92 });
    const full = flights[0]!;
    const landed = flights[1]!;
    expect(landed.landedPct).toBeGreaterThanOrEqual(90);
    expect(landed.landedPct).toBeLessThanOrEqual(92);
    expect(landed.landedEst.kind).toBe('endurance');
    // The full pack's flight to the reserve, scaled to the charge left above it.
    const expected = (full.reserveAtS * (landed.landedPct - 25)) / 75;
    expect(Math.abs(landed.landedEst.seconds! - expected) / expected).toBeLessThan(SPREAD);
    expect(landed.landedEst.seconds!).toBeLessThan(full.reserveAtS);
  });
});
