import { describe, expect, it } from 'vitest';
import { Airspace } from '../geo/airspace.js';
import { Router } from '../geo/visibility.js';
import { lengthInside, type P, pathLength, pointInRing } from '../geo/vec.js';
import { planCoverage } from './coverage.js';
import { randomAreaWithHole, rng } from './testkit.js';

/** Seen by the swath × swath footprint: within swath/2 across-track and swath/2 beyond a leg's ends. */
function seen(q: P, path: P[], half: number): boolean {
  for (let i = 0; i < path.length; i++) {
    const a = path[Math.max(0, i - 1)]!;
    const b = path[i]!;
    const L = Math.hypot(b.x - a.x, b.y - a.y);
    if (L < 1e-9) {
      if (Math.abs(q.x - a.x) <= half && Math.abs(q.y - a.y) <= half) return true;
      continue;
    }
    const ux = (b.x - a.x) / L;
    const uy = (b.y - a.y) / L;
    const along = (q.x - a.x) * ux + (q.y - a.y) * uy;
    const across = Math.abs(-(q.x - a.x) * uy + (q.y - a.y) * ux);
    if (across <= half + 1e-6 && along >= -half - 1e-6 && along <= L + half + 1e-6) return true;
  }
  return false;
}

function cover(outer: P[], hole: P[], swathM: number) {
  const sp = new Airspace([{ id: 'hole', ring: hole, marginM: 0 }]);
  return planCoverage({ outer, holes: [hole], swathM, airspace: sp, router: new Router(sp) });
}

describe('boustrophedon coverage', () => {
  it('the benchmark area: ≤ 1.10 × area/swath, nothing flown inside the hole', () => {
    const outer = [{ x: 0, y: 0 }, { x: 1000, y: 0 }, { x: 1000, y: 800 }, { x: 0, y: 800 }];
    const hole = [{ x: 400, y: 325 }, { x: 600, y: 325 }, { x: 600, y: 475 }, { x: 400, y: 475 }];
    const c = cover(outer, hole, 60);
    expect(c.lengthM / ((800_000 - 30_000) / 60)).toBeLessThanOrEqual(1.1);
    let inside = 0;
    for (let i = 1; i < c.path.length; i++) inside += lengthInside(c.path[i - 1]!, c.path[i]!, hole);
    expect(inside).toBe(0);
    expect(c.cells).toBeGreaterThanOrEqual(3); // the hole splits the sweep into cells
  });

  for (let seed = 1; seed <= 12; seed++) {
    it(`random polygon with a hole #${seed}: every point seen, no leg in the hole`, () => {
      const r = rng(seed * 7919);
      const { outer, hole } = randomAreaWithHole(r);
      const swath = 40 + r() * 50;
      const c = cover(outer, hole, swath);
      for (let i = 1; i < c.path.length; i++) expect(lengthInside(c.path[i - 1]!, c.path[i]!, hole)).toBeLessThan(1e-6);
      const xs = outer.map((p) => p.x);
      const ys = outer.map((p) => p.y);
      let missed = 0;
      let total = 0;
      for (let k = 0; k < 3000; k++) {
        const q = { x: Math.min(...xs) + r() * (Math.max(...xs) - Math.min(...xs)), y: Math.min(...ys) + r() * (Math.max(...ys) - Math.min(...ys)) };
        if (!pointInRing(q, outer) || pointInRing(q, hole)) continue;
        total++;
        if (!seen(q, c.path, swath / 2)) missed++;
      }
      expect(total).toBeGreaterThan(500);
      expect(missed).toBe(0);
      expect(pathLength(c.path)).toBeCloseTo(c.lengthM, 6);
    });
  }
});
