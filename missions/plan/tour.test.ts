import { describe, expect, it } from 'vitest';
import { heldKarp, heuristicTour, orienteer, tourLength, type Matrix } from './tour.js';
import { rng } from './testkit.js';

const matrix = (pts: [number, number][]): Matrix => pts.map((a) => pts.map((b) => Math.hypot(a[0] - b[0], a[1] - b[1])));
const randomPts = (r: () => number, n: number): [number, number][] => Array.from({ length: n }, () => [r() * 3000, r() * 3000]);

function permutations(xs: number[]): number[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

describe('tours', () => {
  it('Held–Karp equals brute force on 8 points', () => {
    const d = matrix(randomPts(rng(3), 8));
    const brute = Math.min(...permutations([1, 2, 3, 4, 5, 6, 7]).map((p) => tourLength(d, [0, ...p], true)));
    const [order, len] = heldKarp(d);
    expect(len).toBeCloseTo(brute, 6);
    expect(tourLength(d, order, true)).toBeCloseTo(len, 6);
    expect(new Set(order).size).toBe(8);
  });

  it('the local-search tour is within 2 % of the optimum on seeded 12–14 point instances', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const r = rng(seed);
      const d = matrix(randomPts(r, 12 + (seed % 3)));
      const [, opt] = heldKarp(d);
      const [order, len] = heuristicTour(d);
      expect(new Set(order).size).toBe(d.length);
      expect(len / opt).toBeLessThan(1.02);
    }
  });

  it('orienteering keeps the budget and prefers value', () => {
    const r = rng(11);
    const pts: [number, number][] = [[0, 0], [0, 0], ...randomPts(r, 12)];
    const d = matrix(pts);
    const value = [0, 0, ...pts.slice(2).map(() => 1 + Math.floor(r() * 10))];
    for (const budget of [0, 1500, 4000, 8000, 100_000]) {
      const visit = orienteer(d, value, budget);
      expect(tourLength(d, [0, ...visit, 1], false)).toBeLessThanOrEqual(budget + 1e-6);
      if (budget === 100_000) expect(visit.length).toBe(12);
    }
  });
});
