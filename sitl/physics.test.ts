import { describe, expect, it } from 'vitest';
import { FakeClock } from '../common/clock.js';
import { Battery } from './battery.js';
import { enuFromLatLon, latLonFromEnu } from './geo.js';
import { CopterPhysics } from './physics.js';
import { Prng } from './prng.js';
import { ScaledClock } from './scaled-clock.js';

describe('geo', () => {
  it('ENU ↔ lat/lon round-trips to millimetres over 10 km', () => {
    const home = { latDeg: 24.59, lonDeg: 118.262 };
    const p = latLonFromEnu(home, 7000, -5000);
    const back = enuFromLatLon(home, p.latDeg, p.lonDeg);
    expect(back.eM).toBeCloseTo(7000, 3);
    expect(back.nM).toBeCloseTo(-5000, 3);
  });
});

describe('CopterPhysics', () => {
  it('respects speed, acceleration, climb and descent limits and stops on its target', () => {
    const ph = new CopterPhysics(new Prng(1));
    ph.motorsOn = true;
    ph.vertical = { kind: 'altitude', upM: 30 };
    let maxClimb = 0;
    for (let i = 0; i < 400; i++) {
      ph.step(0.05);
      maxClimb = Math.max(maxClimb, ph.state.vuMps);
    }
    expect(maxClimb).toBeLessThanOrEqual(2.5);
    expect(ph.state.upM).toBeCloseTo(30, 0);
    ph.horizontal = { kind: 'position', eM: 1000, nM: 0 };
    let maxV = 0;
    let maxA = 0;
    let prev = 0;
    for (let i = 0; i < 3000; i++) {
      ph.step(0.05);
      const v = ph.groundSpeedMps;
      maxV = Math.max(maxV, v);
      maxA = Math.max(maxA, Math.abs(v - prev) / 0.05);
      prev = v;
    }
    expect(maxV).toBeLessThanOrEqual(10.0001);
    expect(maxA).toBeLessThanOrEqual(2.5001);
    expect(ph.state.eM).toBeCloseTo(1000, 1);
    ph.vertical = { kind: 'altitude', upM: -5 };
    let minVu = 0;
    for (let i = 0; i < 1000; i++) {
      ph.step(0.05);
      minVu = Math.min(minVu, ph.state.vuMps);
    }
    expect(minVu).toBeGreaterThanOrEqual(-1.5);
    expect(ph.state.onGround).toBe(true);
  });

  it('drifts with the wind when not holding position; tilts into it when holding', () => {
    const ph = new CopterPhysics(new Prng(1), { fromDeg: 270, speedMps: 5, gustMps: 0 });
    ph.motorsOn = true;
    ph.vertical = { kind: 'altitude', upM: 20 };
    ph.horizontal = { kind: 'position', eM: 0, nM: 0 };
    ph.step(20);
    expect(Math.abs(ph.state.eM)).toBeLessThan(0.01);
    expect(Math.abs(ph.state.rollRad) + Math.abs(ph.state.pitchRad)).toBeGreaterThan(0.01);
    ph.horizontal = { kind: 'drift' };
    ph.step(20);
    expect(ph.state.veMps).toBeCloseTo(5, 1); // wind from the west blows east
  });
});

describe('Battery', () => {
  it('cruise endurance equals enduranceMin (55 min) and the pack starts at 12.6 V', () => {
    const b = new Battery({ enduranceMin: 55, cruiseMps: 10 });
    expect(b.voltageV).toBeCloseTo(12.6, 5);
    const load = { armed: true, flying: true, airspeedMps: 10, climbMps: 0 };
    for (let s = 0; s < 54 * 60; s++) b.step(1, load);
    expect(b.remainingPct).toBeGreaterThan(0.5);
    for (let s = 0; s < 60; s++) b.step(1, load);
    expect(b.remainingPct).toBeLessThan(0.1);
    expect(b.voltageV).toBeLessThan(10.6);
  });

  it('draws nothing disarmed, a little armed on the ground, more at speed', () => {
    const b = new Battery({ enduranceMin: 55 });
    b.step(1, { armed: false, flying: false, airspeedMps: 0, climbMps: 0 });
    expect(b.currentA).toBe(0);
    b.step(1, { armed: true, flying: false, airspeedMps: 0, climbMps: 0 });
    const ground = b.currentA;
    b.step(1, { armed: true, flying: true, airspeedMps: 0, climbMps: 0 });
    const hover = b.currentA;
    b.step(1, { armed: true, flying: true, airspeedMps: 12, climbMps: 0 });
    expect(ground).toBeLessThan(hover);
    expect(hover).toBeLessThan(b.currentA);
  });

  it('a flight spends power, not current: hover < cruise < climb in watts, the current rising as the pack empties', () => {
    const b = new Battery({ enduranceMin: 55 });
    const hover = { armed: true, flying: true, airspeedMps: 0, climbMps: 0 };
    b.step(1, hover);
    const w0 = b.voltageV * b.currentA;
    const a0 = b.currentA;
    expect(b.flightPowerW(0, 0)).toBeLessThan(b.flightPowerW(10, 0));
    expect(b.flightPowerW(10, 0)).toBeLessThan(b.flightPowerW(10, 2.5));
    for (let s = 0; s < 40 * 60; s++) b.step(1, hover);
    expect(b.voltageV * b.currentA).toBeCloseTo(w0, 0);
    expect(b.currentA).toBeGreaterThan(a0 * 1.1);
    // Energy bookkeeping agrees with the charge: Wh ≈ mAh × the mean voltage (between empty and full).
    expect(b.consumedWh / (b.consumedMah / 1000)).toBeGreaterThan(10.5);
    expect(b.consumedWh / (b.consumedMah / 1000)).toBeLessThan(12.6);
  });
});

describe('ScaledClock', () => {
  it('runs K times faster than its base clock, for time and timers', () => {
    const base = new FakeClock(1_000_000);
    const c = new ScaledClock(base, 10);
    const fired: number[] = [];
    c.setTimeout(() => fired.push(c.now()), 5000);
    const id = c.setInterval(() => fired.push(-c.now()), 2000);
    base.advance(500);
    expect(c.now()).toBe(1_005_000);
    expect(fired).toEqual([-1_002_000, -1_004_000, 1_005_000]);
    c.clearInterval(id);
    base.advance(1000);
    expect(fired.length).toBe(3);
    expect(() => new ScaledClock(base, 0)).toThrow(/factor/);
  });
});
