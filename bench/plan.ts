/**
 * Planner benchmarks, in one run (npx tsx bench/plan.ts):
 *   1. coverage: path length / (area ÷ swath) on a 1000 × 800 m area with a 200 × 150 m no-fly hole, 60 m
 *      swath (aim ≤ 1.10, zero length inside the hole), beside a naive lawnmower that ignores the hole;
 *   2. hotspot tours: local-search tour length / Held–Karp optimum on seeded instances of 12–16 points
 *      (aim: mean gap ≤ 0.5 %);
 *   3. the sample day: drones used / fleet lower bound, planning time (aim < 1 s), both charge models;
 *   4. a generated 20 km² city with 6 no-fly zones: planning time, drones used / lower bound.
 */
import { readFileSync } from 'node:fs';
import { Airspace } from '../missions/geo/airspace.js';
import { Router } from '../missions/geo/visibility.js';
import { lengthInside, type P, pathLength } from '../missions/geo/vec.js';
import { parseFleet, type Fleet } from '../missions/fleet.js';
import { parseJurisdiction, type Jurisdiction } from '../missions/jurisdiction.js';
import { planCoverage } from '../missions/plan/coverage.js';
import { planDay } from '../missions/plan/day.js';
import { generatedCity, rng } from '../missions/plan/testkit.js';
import { heldKarp, heuristicTour } from '../missions/plan/tour.js';
import { verifyDay } from '../missions/plan/verify.js';

function load(geo: unknown, fleet: unknown): { j: Jurisdiction; f: Fleet } {
  const j = parseJurisdiction(geo, 'geo');
  const f = parseFleet(fleet, 'fleet');
  if (!j.ok || !f.ok) throw new Error('bench input refused');
  return { j: j.value, f: f.value };
}

// 1. coverage
{
  const outer: P[] = [{ x: 0, y: 0 }, { x: 1000, y: 0 }, { x: 1000, y: 800 }, { x: 0, y: 800 }];
  const hole: P[] = [{ x: 400, y: 325 }, { x: 600, y: 325 }, { x: 600, y: 475 }, { x: 400, y: 475 }];
  const swath = 60;
  const ideal = (1000 * 800 - 200 * 150) / swath;
  const sp = new Airspace([{ id: 'hole', ring: hole, marginM: 0 }]);
  const t0 = performance.now();
  const c = planCoverage({ outer, holes: [hole], swathM: swath, airspace: sp, router: new Router(sp) });
  const ms = performance.now() - t0;
  const inside = (path: P[]) => path.slice(1).reduce((s, p, i) => s + lengthInside(path[i]!, p, hole), 0);
  // naive lawnmower: lanes swath apart across the whole box, edge to edge, the hole ignored
  const naive: P[] = [];
  const n = Math.ceil((800 - swath) / swath) + 1;
  for (let k = 0; k < n; k++) {
    const y = Math.min(swath / 2 + k * swath, 800 - swath / 2);
    const lane = [{ x: 0, y }, { x: 1000, y }];
    naive.push(...(k % 2 ? lane.reverse() : lane));
  }
  console.log('1. coverage, 1000 × 800 m with a 200 × 150 m hole, swath 60 m (ideal area/swath = %s m)', ideal.toFixed(0));
  console.log(`   boustrophedon: ratio ${(c.lengthM / ideal).toFixed(3)}  (${c.lengthM.toFixed(0)} m, ${c.cells} cells, sweep ${(c.angleRad * 180 / Math.PI).toFixed(0)}°), inside hole ${inside(c.path).toFixed(1)} m, ${ms.toFixed(0)} ms`);
  console.log(`   naive lawnmower: ratio ${(pathLength(naive) / ideal).toFixed(3)}  (${pathLength(naive).toFixed(0)} m), inside hole ${inside(naive).toFixed(1)} m`);
}

// 2. tours vs Held–Karp
{
  const gaps: number[] = [];
  let hkMs = 0;
  let heurMs = 0;
  for (let size = 12; size <= 16; size++) {
    for (let seed = 1; seed <= 4; seed++) {
      const r = rng(size * 100 + seed);
      const pts = Array.from({ length: size }, () => [r() * 4000, r() * 4000] as const);
      const d = pts.map((a) => pts.map((b) => Math.hypot(a[0] - b[0], a[1] - b[1])));
      let t = performance.now();
      const [, opt] = heldKarp(d);
      hkMs += performance.now() - t;
      t = performance.now();
      const [, len] = heuristicTour(d);
      heurMs += performance.now() - t;
      gaps.push(len / opt - 1);
    }
  }
  const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
  console.log(`2. hotspot tours, ${gaps.length} seeded instances of 12–16 points: tour / Held–Karp optimum mean ${(1 + mean).toFixed(4)} (gap ${(mean * 100).toFixed(2)} %), worst ${(1 + Math.max(...gaps)).toFixed(4)}, optimal in ${gaps.filter((g) => g < 1e-9).length}/${gaps.length}; heuristic ${(heurMs / gaps.length).toFixed(1)} ms, Held–Karp ${(hkMs / gaps.length).toFixed(1)} ms per instance`);
}

// 3. the sample day
{
  const { j, f } = load(JSON.parse(readFileSync('resources/samples/jinhai.geojson', 'utf8')), JSON.parse(readFileSync('resources/samples/fleet.json', 'utf8')));
  for (const chargeModel of ['proportional', 'full'] as const) {
    const times: number[] = [];
    const t0 = performance.now();
    let plan = planDay(j, f, '2026-11-24', { chargeModel });
    const cold = performance.now() - t0;
    for (let k = 0; k < 5; k++) {
      const t = performance.now();
      plan = planDay(j, f, '2026-11-24', { chargeModel });
      times.push(performance.now() - t);
    }
    const s = plan.schedule;
    times.sort((a, b) => a - b);
    console.log(`3. sample day (charge ${chargeModel}): drones used / lower bound ${s.drones_used}/${s.fleet_lower_bound} = ${(s.drones_used / s.fleet_lower_bound).toFixed(2)}, ` +
      `${s.sorties.length} sorties, ${s.gaps.length} gaps${s.gaps.length ? ` (fleet needed ${s.fleet_needed ?? 'more than the bays hold'})` : ''}, ` +
      `verify ${verifyDay(plan, f).length} violations, planning ${cold.toFixed(0)} ms cold, ${times[2]!.toFixed(0)} ms median of 5 warm`);
  }
}

// 4. a generated 20 km² city with 6 no-fly zones
{
  const city = generatedCity(2027, 20, 6, 10);
  const { j, f } = load(city.geo, city.fleet);
  const t = performance.now();
  const plan = planDay(j, f, '2027-03-01');
  const ms = performance.now() - t;
  const s = plan.schedule;
  console.log(`4. generated 20 km² city, 6 no-fly zones, ${f.drones.length} drones: planning ${ms.toFixed(0)} ms, drones used / lower bound ${s.drones_used}/${s.fleet_lower_bound}, ` +
    `${s.sorties.length} sorties, ${s.gaps.length} gaps, verify ${verifyDay(plan, f).length} violations`);
}
