import { describe, expect, it } from 'vitest';
import { localFrame } from './frame.js';
import { geodesicDistanceM } from './geodesic.js';
import { rng } from '../plan/testkit.js';

describe('geodesic reference (Vincenty)', () => {
  it('matches the published Flinders Peak – Buninyong distance', () => {
    const d = geodesicDistanceM([144.42486788888889, -37.95103341666667], [143.92649552777777, -37.65282113888889]);
    expect(d).toBeCloseTo(54972.271, 2);
  });
});

describe('local metric frame', () => {
  for (const [name, origin] of [['Jinhai 24.6°N', [118.265, 24.5925]], ['Harbin 45.8°N', [126.63, 45.75]], ['Chengdu 30.7°N', [104.06, 30.66]]] as const) {
    it(`keeps distances within 0.1 % of the geodesic over a 20 km² city (${name})`, () => {
      const f = localFrame([origin[0], origin[1]]);
      const r = rng(7);
      let worst = 0;
      for (let k = 0; k < 500; k++) {
        // points anywhere in a 5 km × 4 km box around the origin
        const a = f.toLonLat({ x: (r() - 0.5) * 5000, y: (r() - 0.5) * 4000 });
        const b = f.toLonLat({ x: (r() - 0.5) * 5000, y: (r() - 0.5) * 4000 });
        const g = geodesicDistanceM(a, b);
        if (g < 50) continue;
        const pa = f.toXY(a);
        const pb = f.toXY(b);
        worst = Math.max(worst, Math.abs(Math.hypot(pa.x - pb.x, pa.y - pb.y) - g) / g);
      }
      expect(worst).toBeLessThan(1e-3);
      expect(worst).toBeLessThan(2e-4); // in practice far better than the contract
    });
  }

  it('round-trips positions to a millimetre', () => {
    const f = localFrame([118.265, 24.5925]);
    const p: [number, number] = [118.2801234, 24.6012345];
    const back = f.toLonLat(f.toXY(p));
    expect(Math.abs(back[0] - p[0]) * 1e5).toBeLessThan(1e-3);
    expect(Math.abs(back[1] - p[1]) * 1e5).toBeLessThan(1e-3);
  });
});
