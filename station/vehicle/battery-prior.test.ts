import { describe, expect, it } from 'vitest';
import { batteryPrior, cellCount, cellVoltageAt, modelUnderCapacity, noBatteryParams, SAG_V, validCapacityMah, type BatteryParams } from './battery-prior.js';
import { emptyBatteryModel } from './battery-estimate.js';

const params = (p: Partial<BatteryParams>): BatteryParams => ({ ...noBatteryParams(), ...p });

describe('battery prior', () => {
  const capacities: [string, number | null, number | null][] = [
    ["ArduCopter's default", 3300, 3300],
    ['a patrol pack', 30_000, 30_000],
    ['0 (not set up)', 0, null],
    ['negative', -5000, null],
    ['NaN', Number.NaN, null],
    ['infinite', Number.POSITIVE_INFINITY, null],
    ['a float32 overflow', 3.4e38, null],
    ['under 200 mAh', 199, null],
    ['not heard', null, null],
  ];
  for (const [name, x, want] of capacities) it(`BATT_CAPACITY ${name}: ${want === null ? 'refused' : 'used'}`, () => expect(validCapacityMah(x)).toBe(want));

  it('cell count: MOT_BAT_VOLT_MAX (4.2 V a cell), else BATT_ARM_VOLT (3.7 V a cell − 0.1), else the live voltage at the %', () => {
    expect(cellCount(params({ MOT_BAT_VOLT_MAX: 12.8 }), null, null)).toEqual({ cells: 3, from: 'MOT_BAT_VOLT_MAX' });
    expect(cellCount(params({ MOT_BAT_VOLT_MAX: 25.2 }), 24.9, 95)).toEqual({ cells: 6, from: 'MOT_BAT_VOLT_MAX' });
    expect(cellCount(params({ MOT_BAT_VOLT_MAX: 0, BATT_ARM_VOLT: 14.7 }), null, null)).toEqual({ cells: 4, from: 'BATT_ARM_VOLT' });
    expect(cellCount(params({ MOT_BAT_VOLT_MAX: 0, BATT_ARM_VOLT: 0 }), 24.6, 90)).toEqual({ cells: 6, from: 'voltage' });
    // A 12S pack near empty and a 10S near full are told apart by the %.
    expect(cellCount(params({}), 12 * 3.7, 15)).toEqual({ cells: 12, from: 'voltage' });
    expect(cellCount(params({}), 10 * 4.15, 98)).toEqual({ cells: 10, from: 'voltage' });
  });

  it('a parameter the live voltage contradicts (packs changed, parameter not) gives way to the voltage', () => {
    // MOT_BAT_VOLT_MAX left at a 3S value on a 6S drone.
    expect(cellCount(params({ MOT_BAT_VOLT_MAX: 12.8 }), 25, 95)).toEqual({ cells: 6, from: 'voltage' });
  });

  it('hostile or meaningless parameters and voltages give no cell count rather than a wrong one', () => {
    expect(cellCount(params({ MOT_BAT_VOLT_MAX: 100 }), null, null)).toBeNull();
    expect(cellCount(params({ MOT_BAT_VOLT_MAX: Number.NaN, BATT_ARM_VOLT: Number.POSITIVE_INFINITY }), Number.NaN, 50)).toBeNull();
    expect(cellCount(params({ MOT_BAT_VOLT_MAX: 10 }), null, null)).toBeNull(); // 10 V is 3.33 V a cell for 3 cells: not a full-cell voltage
    expect(cellCount(params({}), 12, null)).toBeNull(); // a voltage without its %
    expect(cellCount(params({}), 12, 250)).toBeNull();
    expect(cellCount(params({}), 65535, 50)).toBeNull();
  });

  it('Wh per % by band: BATT_CAPACITY ÷ 100 × cells × the cell voltage of the band under load', () => {
    const p = batteryPrior(params({ BATT_CAPACITY: 10_000, MOT_BAT_VOLT_MAX: 16.8 }), null, null)!;
    expect(p.cells).toBe(4);
    expect(p.whPerPct).toHaveLength(10);
    // Band 9 (90–100 %): its mean cell voltage on the table's points 90, 95, 100 %.
    const mean9 = (cellVoltageAt(90) + 2 * cellVoltageAt(95) + cellVoltageAt(100)) / 4;
    expect(p.whPerPct[9]).toBeCloseTo((10 * 4 * (mean9 - SAG_V)) / 100, 9);
    for (let b = 1; b < 10; b++) expect(p.whPerPct[b]!).toBeGreaterThanOrEqual(p.whPerPct[b - 1]!);
    // The whole pack: 10 Ah × 4 cells × about 3.7 V under load.
    const total = p.whPerPct.reduce((a, x) => a + 10 * x, 0);
    expect(total).toBeGreaterThan(10 * 4 * 3.6);
    expect(total).toBeLessThan(10 * 4 * 3.85);
  });

  it('no prior without a sane BATT_CAPACITY or a cell count', () => {
    expect(batteryPrior(params({ BATT_CAPACITY: 0, MOT_BAT_VOLT_MAX: 12.6 }), 12.4, 95)).toBeNull();
    expect(batteryPrior(params({ BATT_CAPACITY: 5000 }), null, null)).toBeNull();
    expect(batteryPrior(params({ BATT_CAPACITY: 5000 }), 12.4, 95)?.cellsFrom).toBe('voltage');
  });
});

describe('the learned model under the BATT_CAPACITY the drone reports', () => {
  const learned = { ...emptyBatteryModel(), whPerPct: [...Array<null>(8).fill(null), 3.5, 3.7], steps: [...Array<number>(8).fill(0), 10, 12], flightW: 340, flightS: 1200 };

  it('the same capacity, or one no pack has: unchanged (the same object)', () => {
    const m = { ...learned, capacityMah: 10_000 };
    for (const c of [10_000, 0, -1, Number.NaN, null, 1e9]) expect(modelUnderCapacity(m, c)).toEqual({ model: m, dropped: null });
    expect(modelUnderCapacity(m, 10_000).model).toBe(m);
  });

  it('a model that does not say (an older file): taken as learned under this one', () => {
    expect(modelUnderCapacity(learned, 8000)).toEqual({ model: { ...learned, capacityMah: 8000 }, dropped: null });
  });

  it('another capacity: the Wh per % bands are dropped, the powers kept; said only when something learned was dropped', () => {
    const r = modelUnderCapacity({ ...learned, capacityMah: 10_000 }, 5000);
    expect(r.dropped).toBe(10_000);
    expect(r.model).toEqual({ ...learned, whPerPct: Array(10).fill(null), steps: Array(10).fill(0), capacityMah: 5000 });
    expect(modelUnderCapacity({ ...emptyBatteryModel(), capacityMah: 10_000 }, 5000)).toEqual({ model: { ...emptyBatteryModel(), capacityMah: 5000 }, dropped: null });
  });
});
