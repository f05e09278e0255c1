import { describe, expect, it } from 'vitest';
import { groundDistanceM, towardM } from './geo.js';

describe('groundDistanceM', () => {
  it('is zero for one point and symmetric', () => {
    const a = { latDeg: 30.2741, lonDeg: 120.1551 };
    const b = { latDeg: 30.2803, lonDeg: 120.1627 };
    expect(groundDistanceM(a, a)).toBe(0);
    expect(groundDistanceM(a, b)).toBe(groundDistanceM(b, a));
  });
  it('measures a degree of latitude and of longitude at the equator as the sphere does', () => {
    // 2πR/360 with R = 6 371 008.8 m.
    expect(groundDistanceM({ latDeg: 0, lonDeg: 0 }, { latDeg: 1, lonDeg: 0 })).toBeCloseTo(111_195.08, 1);
    expect(groundDistanceM({ latDeg: 0, lonDeg: 0 }, { latDeg: 0, lonDeg: 1 })).toBeCloseTo(111_195.08, 1);
  });
  it('shrinks a degree of longitude with the cosine of latitude', () => {
    const d = groundDistanceM({ latDeg: 60, lonDeg: 10 }, { latDeg: 60, lonDeg: 10.01 });
    expect(d).toBeCloseTo(0.01 * 111_195.08 * 0.5, 0);
  });
  it('stays finite at antipodes', () => {
    expect(groundDistanceM({ latDeg: 0, lonDeg: 0 }, { latDeg: 0, lonDeg: 180 })).toBeCloseTo(Math.PI * 6_371_008.8, 0);
  });
});

describe('towardM', () => {
  it('puts the point at the distance asked, on the line to the target, at any bearing', () => {
    const from = { latDeg: 24.59, lonDeg: 118.262 };
    for (const [n, e] of [[900, 0], [0, -700], [-500, 500], [3000, 1200]] as const) {
      const to = { latDeg: from.latDeg + n / 111_195, lonDeg: from.lonDeg + e / (111_195 * Math.cos((from.latDeg * Math.PI) / 180)) };
      const p = towardM(from, to, 250);
      expect(groundDistanceM(from, p)).toBeCloseTo(250, 0);
      expect(groundDistanceM(p, to)).toBeCloseTo(groundDistanceM(from, to) - 250, 0);
    }
  });
  it('stays put when the two points coincide', () => {
    const a = { latDeg: 24.59, lonDeg: 118.262 };
    expect(towardM(a, a, 50)).toEqual(a);
  });
});
