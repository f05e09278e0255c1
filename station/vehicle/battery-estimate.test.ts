import { describe, expect, it } from 'vitest';
import {
  batteryTimeLeft, emptyBatteryLive, emptyBatteryModel, energyBetweenWh, energySource, FLIGHT_TAU_S, stepBattery, whPerPctAt,
  type BatteryLive, type BatteryModel, type BatteryReading, type WhPrior,
} from './battery-estimate.js';

/**
 * A synthetic pack: 100 Wh in 100 % (1 Wh per %), the voltage 12 V, readings at 1 Hz with the % rounded as
 * the wire has it. `fly(seconds, watts)` draws that power in the air; `ground(seconds)` sits disarmed.
 */
class Pack {
  live: BatteryLive = emptyBatteryLive();
  model: BatteryModel = emptyBatteryModel();
  t = 0;
  usedWh = 0;
  reboots = 0;
  landed = 0;
  constructor(readonly whPerPct = 1) {}
  get truePct(): number {
    return 100 - this.usedWh / this.whPerPct;
  }
  read(over: Partial<BatteryReading> = {}): void {
    const r: BatteryReading = {
      atMs: this.t * 1000, voltageV: 12, currentA: 0, remainingPct: Math.round(this.truePct), consumedMah: (this.usedWh / 12) * 1000,
      flying: false, groundSpeedMps: 0, climbMps: 0, reboots: this.reboots, ...over,
    };
    const out = stepBattery(this.live, this.model, r);
    this.live = out.live;
    this.model = out.model;
    if (out.landed) this.landed++;
  }
  fly(seconds: number, watts: number, speed = 8): void {
    for (let i = 0; i < seconds; i++) {
      this.read({ currentA: watts / 12, flying: true, groundSpeedMps: speed });
      this.t++;
      this.usedWh += watts / 3600;
    }
  }
  ground(seconds: number): void {
    for (let i = 0; i < seconds; i++) {
      this.read({ currentA: 0, flying: false });
      this.t++;
    }
  }
  left(reserve = 25, prior?: WhPrior) {
    return batteryTimeLeft(this.live, this.model, reserve, prior);
  }
}

describe('battery estimate: learning the pack', () => {
  it('learns Wh per % from the steps of the % (no rounding error) and the flight power', () => {
    // Read at 1 Hz, a step is seen up to 1 s late: 300 W × 1 s = 0.083 Wh at each end of a band's ≥ 5 steps of
    // 1.2 Wh, so within 2 × 0.083 / 6 = 2.8 %.
    const p = new Pack(1.2);
    p.fly(20 * 60, 300);
    const w = p.model.whPerPct.filter((x): x is number => x !== null);
    expect(w.length).toBeGreaterThan(0);
    for (const x of w) expect(Math.abs(x - 1.2) / 1.2).toBeLessThan(0.028);
    expect(p.model.flightW).toBeCloseTo(300, 6);
    expect(p.model.cruiseW).toBeCloseTo(300, 6);
    expect(p.model.hoverW).toBeNull();
  });

  it('in the air: the energy left above the reserve at the flight power; a steady flight counts down a minute a minute', () => {
    const p = new Pack();
    p.fly(10 * 60, 300);
    const a = p.left();
    const truth = ((p.truePct - 25) * 1 * 3600) / 300;
    expect(a.kind).toBe('flight');
    expect(Math.abs(a.seconds! - truth)).toBeLessThan(20);
    p.fly(60, 300);
    const b = p.left();
    expect(Math.abs(a.seconds! - b.seconds! - 60)).toBeLessThan(5);
  });

  it('a 3 s current spike of 3× moves the estimate by what it cost and a little more, not by 2/3', () => {
    const p = new Pack();
    p.fly(10 * 60, 300);
    const before = p.left().seconds!;
    p.fly(3, 900);
    const after = p.left().seconds!;
    // Its cost: 1.8 kJ (0.5 % of the pack, 0.8 % of what is left); the filter (300 s) moves 3/300 × 2 = 2 %.
    // Dividing by the instantaneous current, as before, shows a third of the time during the spike.
    expect(Math.abs(after - (before - 3)) / before).toBeLessThan(0.04);
  });

  it('after landing at 92 %: the flight endurance at the learned flight power, not the idle current', () => {
    const p = new Pack();
    p.fly(96, 300); // 8 Wh: 92 %
    p.ground(120);
    expect(p.landed).toBe(1);
    const left = p.left();
    expect(left.kind).toBe('endurance');
    expect(Math.round(p.truePct)).toBe(92);
    // 67 % × 1 Wh at 300 W = 804 s.
    expect(Math.abs(left.seconds! - 804)).toBeLessThan(20);
  });

  it('nothing learned yet: no figure (learning), kind by whether it flies; under the reserve: 0', () => {
    const p = new Pack();
    p.ground(5);
    expect(p.left()).toEqual({ seconds: null, kind: 'endurance', source: null });
    p.fly(5, 300);
    expect(p.left()).toEqual({ seconds: null, kind: 'flight', source: null });
    p.fly(60 * 12, 300);
    expect(p.left(90).seconds).toBe(0);
  });

  it('bands: the energy between two percentages follows what each band learned', () => {
    const m = emptyBatteryModel();
    m.whPerPct[9] = 1.2;
    m.whPerPct[5] = 1.0;
    expect(energyBetweenWh(m, 90, 100)).toBeCloseTo(12, 6);
    // 50–60 from band 5; 60–70 nearest are 5 and (none at 7/8 → 9 is farther): band 5.
    expect(energyBetweenWh(m, 50, 60)).toBeCloseTo(10, 6);
    expect(energyBetweenWh(emptyBatteryModel(), 20, 90)).toBeNull();
  });
});

describe('battery estimate: the prior from the autopilot\'s parameters', () => {
  // A prior whose shape falls with the charge (as a cell's voltage does): 0.8 … 1.25 Wh per % over the bands.
  const prior: WhPrior = { whPerPct: [0.8, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1, 1.15, 1.2, 1.25] };

  it('nothing learned: the prior gives a figure from the first airborne reading (no prior: none)', () => {
    const p = new Pack();
    p.fly(2, 300);
    expect(p.left().seconds).toBeNull();
    const s = p.left(25, prior).seconds!;
    // 25 … 100 % by the prior's bands (2.5 % of band 2, then 3 … 9) at 300 W.
    const wh = 5 * 0.9 + 10 * (0.95 + 1.0 + 1.05 + 1.1 + 1.15 + 1.2 + 1.25);
    expect(Math.abs(s - (wh / 300) * 3600)).toBeLessThan(2);
  });

  it('a learned band wins; a band not learned is the prior scaled by what the learned bands say of it', () => {
    const m = emptyBatteryModel();
    m.whPerPct[9] = 2.5; // twice the prior's 1.25
    m.steps[9] = 10;
    m.whPerPct[8] = 1.2; // the prior's own figure
    m.steps[8] = 10;
    expect(whPerPctAt(m, 95, prior)).toBe(2.5);
    expect(whPerPctAt(m, 85, prior)).toBe(1.2);
    // Band 5: 1.05 × (10 × 2 + 10 × 1) / 20 = 1.575; without the prior the nearest learned band (8).
    expect(whPerPctAt(m, 55, prior)).toBeCloseTo(1.575, 9);
    expect(whPerPctAt(m, 55)).toBe(1.2);
    expect(whPerPctAt(emptyBatteryModel(), 55, prior)).toBe(1.05);
    expect(whPerPctAt(emptyBatteryModel(), 55)).toBeNull();
  });

  it('says where the figure comes from: the prior alone, the prior beside learned bands, or learned only', () => {
    const p = new Pack();
    p.fly(2, 300);
    expect(p.left(25, prior).source).toBe('prior');
    expect(p.left().source).toBeNull(); // no figure, nothing to say
    // Bands 8 and 9 learned, the lower ones still the prior's (scaled): partly.
    const m = emptyBatteryModel();
    m.whPerPct[9] = 2.5;
    m.steps[9] = 10;
    m.whPerPct[8] = 1.2;
    m.steps[8] = 10;
    expect(energySource(m, 25, 100, prior)).toBe('mixed');
    // Only the learned bands in the range: learned; without a prior the nearest learned band stands in: learned.
    expect(energySource(m, 80, 100, prior)).toBe('learned');
    expect(energySource(m, 25, 100)).toBe('learned');
    expect(energySource(emptyBatteryModel(), 25, 100, prior)).toBe('prior');
    // A pack learned in every band: learned, with or without the prior.
    const all = { ...emptyBatteryModel(), whPerPct: Array<number | null>(10).fill(1), steps: Array<number>(10).fill(5), flightW: 300, flightS: 3600 };
    p.model = all;
    expect(p.left(25, prior).source).toBe('learned');
  });

  it('is never learned from: the model a flight teaches is the same with and without it', () => {
    const a = new Pack(1.2), b = new Pack(1.2);
    for (let i = 0; i < 600; i++) {
      a.fly(1, 300);
      b.fly(1, 300);
      b.left(25, prior);
    }
    expect(b.model).toEqual(a.model);
  });

  it('a first flight (no learned power) averages its power from take-off: a climb at 1.2× does not linger', () => {
    const p = new Pack();
    p.fly(12, 360); // the climb
    p.fly(108, 300); // two minutes in
    // The mean of the flight so far (the first sample seeds it and the integration starts at the second).
    const mean = (360 + 11 * 360 + 108 * 300) / 120;
    expect(p.live.smoothW!).toBeCloseTo(mean, 0);
    // An EWMA from the climb's seed would still be 7.5 % high after ten minutes (60 W × e^(−588/600)); the mean is 0.4 %.
    p.fly(FLIGHT_TAU_S - 120, 300);
    expect(Math.abs(p.live.smoothW! - 300) / 300).toBeLessThan(0.005);
    // Once the drone has a learned flight power, the filter starts from it (no averaging from the first sample).
    const q = new Pack();
    q.model = { ...q.model, flightW: 300, flightS: 3600 };
    q.fly(12, 360);
    expect(q.live.smoothW!).toBeLessThan(302);
  });
});

describe('battery estimate: hostile readings', () => {
  const cases: [string, Partial<BatteryReading>][] = [
    ['NaN volts', { voltageV: NaN }],
    ['infinite current', { currentA: Infinity }],
    ['current −1 (not measured)', { currentA: -1 }],
    ['% −1 (not estimated)', { remainingPct: -1 }],
    ['% 255', { remainingPct: 255 }],
    ['NaN %', { remainingPct: NaN }],
    ['zero volts', { voltageV: 0 }],
    ['NaN time', { atMs: NaN }],
    ['consumed mAh NaN', { consumedMah: NaN }],
  ];
  for (const [name, bad] of cases) {
    it(`${name}: no sample, nothing learned from it, no NaN out`, () => {
      const p = new Pack();
      p.fly(5 * 60, 300);
      const learned = (m: BatteryModel) => JSON.stringify([m.whPerPct, m.steps]);
      const model = learned(p.model);
      p.read({ flying: true, groundSpeedMps: 8, currentA: 25, ...bad });
      expect(learned(p.model)).toBe(model);
      expect(Number.isFinite(p.live.energyWh)).toBe(true);
      const s = p.left().seconds;
      expect(s === null || Number.isFinite(s)).toBe(true);
      p.t++;
      p.fly(5 * 60, 300);
      for (const x of p.model.whPerPct) if (x !== null) expect(Math.abs(x - 1)).toBeLessThan(0.02);
    });
  }

  it('a clock going back is no interval: nothing integrated, nothing learned', () => {
    const p = new Pack();
    p.fly(60, 300);
    const e = p.live.energyWh;
    p.read({ atMs: 0, currentA: 25, flying: true });
    expect(p.live.energyWh).toBe(e);
  });

  it('a swapped pack (the % rises) and a reboot start a new chain: no step is learned across them', () => {
    const p = new Pack();
    p.fly(10 * 60, 300);
    const model = JSON.stringify(p.model.whPerPct);
    // Swap on the ground to a full pack: the % goes back up; the energy used on the old one stays counted.
    p.ground(10);
    p.usedWh = 0;
    p.ground(10);
    expect(p.live.step).toBeNull();
    p.reboots++;
    p.ground(5);
    expect(p.live.step).toBeNull();
    expect(JSON.stringify(p.model.whPerPct)).toBe(model);
    p.fly(5 * 60, 300);
    for (const x of p.model.whPerPct) if (x !== null) expect(Math.abs(x - 1)).toBeLessThan(0.02);
  });

  it('a gap longer than 5 s is not bridged and the step across it is not learned', () => {
    const p = new Pack();
    p.fly(5 * 60, 300);
    const model = JSON.stringify(p.model.whPerPct);
    const e = p.live.energyWh;
    p.t += 30;
    p.usedWh += (300 * 30) / 3600; // spent unheard: 2.5 %
    p.read({ currentA: 25, flying: true });
    expect(p.live.energyWh).toBeCloseTo(e + (300 * 0) / 3600, 6);
    expect(p.live.step).toBeNull();
    expect(JSON.stringify(p.model.whPerPct)).toBe(model);
  });

  it('a step far off its band (a glitch in the %) is not learned', () => {
    const p = new Pack();
    p.fly(5 * 60, 300);
    const w = p.model.whPerPct[9]!;
    // The autopilot re-estimates its % down by 3 at once (under the reset limit): 3 % for 1/300 of a %'s energy.
    p.usedWh += 3;
    p.fly(1, 300);
    expect(p.model.whPerPct[9]).toBe(w);
  });
});
