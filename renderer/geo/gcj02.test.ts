import { describe, expect, it } from 'vitest';
import { gcjToWgs, outOfChina, wgsToGcj } from './gcj02.js';

// Known WGS-84 → GCJ-02 pairs (lat, lon), as published with the widely used open implementations.
const PAIRS: [number, number, number, number][] = [
  [31.1774276, 121.5272106, 31.17530398364597, 121.531541859215], // Shanghai
  [22.543847, 113.912316, 22.540796131694766, 113.9171764808363], // Shenzhen
  [39.911954, 116.377817, 39.91334545536069, 116.38404722455657], // Beijing
];

describe('GCJ-02', () => {
  it('matches known WGS-84 → GCJ-02 pairs to ~1 cm', () => {
    for (const [lat, lon, glat, glon] of PAIRS) {
      const g = wgsToGcj(lat, lon);
      expect(g.latDeg).toBeCloseTo(glat, 7);
      expect(g.lonDeg).toBeCloseTo(glon, 7);
    }
  });
  it('is the identity outside China', () => {
    expect(outOfChina(48.85, 2.35)).toBe(true);
    expect(wgsToGcj(48.85, 2.35)).toEqual({ latDeg: 48.85, lonDeg: 2.35 });
  });
  it('inverts back to WGS-84 within a millimetre', () => {
    for (const [lat, lon] of PAIRS) {
      const g = wgsToGcj(lat, lon);
      const w = gcjToWgs(g.latDeg, g.lonDeg);
      expect(Math.abs(w.latDeg - lat)).toBeLessThan(1e-8);
      expect(Math.abs(w.lonDeg - lon)).toBeLessThan(1e-8);
    }
  });
});
