import { describe, expect, it } from 'vitest';
import { COPTER_DEFAULTS, copterReturnParams, landS, rtlLeg, verticalS, type CopterReturnParams } from './copter-return.js';

const P = (o: Partial<CopterReturnParams> = {}): CopterReturnParams => ({ ...COPTER_DEFAULTS, ...o });

describe('copter-return: ArduCopter\'s defaults and the drone\'s parameters', () => {
  it('has the documented defaults in SI units', () => {
    expect(COPTER_DEFAULTS).toEqual({
      wpnavSpeedMps: 10, wpnavSpeedUpMps: 2.5, wpnavSpeedDnMps: 1.5, rtlAltM: 15, rtlClimbMinM: 0, rtlConeSlope: 3, rtlSpeedMps: 0,
      rtlAltFinalM: 0, rtlLoiterS: 5, landSpeedMps: 0.5, landSpeedHighMps: 0, landAltLowM: 10,
    });
  });

  it('takes the drone\'s values in ArduPilot units, refuses what is not a number in range and keeps the default', () => {
    const r = copterReturnParams({ RTL_ALT: 4000, WPNAV_SPEED_UP: 300, RTL_LOIT_TIME: 2000, LAND_SPEED: 'fast', WPNAV_SPEED_DN: 1e9, RTL_SPEED: NaN, OTHER: 1 });
    expect(r.params).toMatchObject({ rtlAltM: 40, wpnavSpeedUpMps: 3, rtlLoiterS: 2, landSpeedMps: 0.5, wpnavSpeedDnMps: 1.5, rtlSpeedMps: 0 });
    expect(r.fromDrone).toEqual(['WPNAV_SPEED_UP', 'RTL_ALT', 'RTL_LOIT_TIME']);
    expect(r.refused).toHaveLength(3);
    expect(copterReturnParams(undefined)).toEqual({ params: COPTER_DEFAULTS, fromDrone: [], refused: [] });
  });
});

describe('copter-return: times', () => {
  it('AUTO climbs at WPNAV_SPEED_UP and descends at WPNAV_SPEED_DN', () => {
    expect(verticalS(50, P())).toBe(20);
    expect(verticalS(-30, P())).toBe(20);
  });

  it.each<[string, number, Partial<CopterReturnParams>, number]>([
    // 50 m: 40 m at WPNAV_SPEED_DN 1.5 = 26.67 s, the last 10 m at LAND_SPEED 0.5 = 20 s
    ['from 50 m with the defaults', 50, {}, 40 / 1.5 + 20],
    ['from below LAND_ALT_LOW', 6, {}, 12],
    ['LAND_SPEED_HIGH 3 m/s', 40, { landSpeedHighMps: 3 }, 10 + 20],
    // "Don't speed up for landing": the high rate is never slower than LAND_SPEED.
    ['LAND_SPEED above WPNAV_SPEED_DN', 20, { landSpeedMps: 2 }, 10 / 2 + 10 / 2],
    ['on the ground', 0, {}, 0],
  ])('a landing %s', (_what, alt, o, s) => {
    expect(landS(alt, P(o))).toBeCloseTo(s, 9);
  });

  it.each<[string, number, number, Partial<CopterReturnParams>, { returnAltM: number; climbS: number; cruiseS: number; landS: number; totalS: number }]>([
    // 8 m up, 1000 m out: climb 7 m to RTL_ALT 15 m at 2.5 m/s = 2.8 s; 1000 m at WPNAV_SPEED 10 m/s = 100 s;
    // loiter 5 s; land 15 m: 5 m at 1.5 m/s + 10 m at 0.5 m/s = 3.33 + 20 s.
    ['below RTL_ALT: climbs to it', 8, 1000, {}, { returnAltM: 15, climbS: 2.8, cruiseS: 100, landS: 5 / 1.5 + 20, totalS: 2.8 + 100 + 5 + 5 / 1.5 + 20 }],
    // Above RTL_ALT: returns at its altitude; 60 m down = 50 m at 1.5 + 10 m at 0.5 = 33.33 + 20 s.
    ['above RTL_ALT: returns where it is', 60, 1204, {}, { returnAltM: 60, climbS: 0, cruiseS: 120.4, landS: 50 / 1.5 + 20, totalS: 120.4 + 5 + 50 / 1.5 + 20 }],
    // RTL_ALT 80 m (a station over tall buildings): 20 m more at 2.5 = 8 s; RTL_SPEED 8 m/s; 70 m at 1.5 + 10 at 0.5.
    ['RTL_ALT 80 m and RTL_SPEED 8 m/s', 60, 800, { rtlAltM: 80, rtlSpeedMps: 8 }, { returnAltM: 80, climbS: 8, cruiseS: 100, landS: 70 / 1.5 + 20, totalS: 8 + 100 + 5 + 70 / 1.5 + 20 }],
    // 4 m from home at 2 m up: the cone (slope 3) allows 12 m, not RTL_ALT's 15: climb 10 m = 4 s; 4 m at 10 m/s.
    ['near home: the cone limits the climb', 2, 4, {}, { returnAltM: 12, climbS: 4, cruiseS: 0.4, landS: 2 / 1.5 + 20, totalS: 4 + 0.4 + 5 + 2 / 1.5 + 20 }],
    // The cone never takes it below current + RTL_CLIMB_MIN: 60 m + 10 m even right over home.
    ['RTL_CLIMB_MIN over home', 60, 0, { rtlClimbMinM: 10 }, { returnAltM: 70, climbS: 4, cruiseS: 0, landS: 60 / 1.5 + 20, totalS: 4 + 5 + 60 / 1.5 + 20 }],
    // Cone off (slope 0): the full RTL_ALT even 4 m away.
    ['cone off', 2, 4, { rtlConeSlope: 0 }, { returnAltM: 15, climbS: 5.2, cruiseS: 0.4, landS: 5 / 1.5 + 20, totalS: 5.2 + 0.4 + 5 + 5 / 1.5 + 20 }],
  ])('RTL %s', (_what, alt, homeM, o, want) => {
    const leg = rtlLeg(alt, homeM, P(o));
    for (const [k, v] of Object.entries(want)) expect(leg[k as keyof typeof want]).toBeCloseTo(v, 9);
    expect(leg.hoversAtFinal).toBe(false);
  });

  it('RTL_ALT_FINAL: descends to it and hovers; the estimate charges the landing from there', () => {
    const leg = rtlLeg(30, 500, P({ rtlAltFinalM: 5 }));
    expect(leg.hoversAtFinal).toBe(true);
    expect(leg.finalDescentS).toBeCloseTo(25 / 1.5, 9);
    expect(leg.landS).toBeCloseTo(10, 9);
    expect(leg.totalS).toBeCloseTo(50 + 5 + 25 / 1.5 + 10, 9);
  });
});
