import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseFleet, type Fleet } from '../fleet.js';
import { parseJurisdiction, type Jurisdiction } from '../jurisdiction.js';
import { planDay } from './day.js';
import { generatedCity } from './testkit.js';
import { verifyDay } from './verify.js';

function load(geo: unknown, fleet: unknown): { j: Jurisdiction; f: Fleet } {
  const j = parseJurisdiction(geo, 'geo');
  const f = parseFleet(fleet, 'fleet');
  if (!j.ok) throw new Error(j.reason);
  if (!f.ok) throw new Error(f.reason);
  return { j: j.value, f: f.value };
}

const sample = load(JSON.parse(readFileSync('resources/samples/jinhai.geojson', 'utf8')), JSON.parse(readFileSync('resources/samples/fleet.json', 'utf8')));
const CONTRACT_SORTIE = ['id', 'kind', 'drone', 'dock', 'launch', 'on_station', 'off_station', 'land', 'plan', 'targets'];

describe('the sample day (golden)', () => {
  const plan = planDay(sample.j, sample.f, '2026-11-24');
  const s = plan.schedule;

  it('has the contract shape', () => {
    expect(s.station).toBe('jinhai');
    expect(s.date).toBe('2026-11-24');
    expect(s.timezone).toBe('Asia/Shanghai');
    expect(Number.isInteger(s.fleet_lower_bound)).toBe(true);
    for (const x of s.sorties) {
      for (const k of CONTRACT_SORTIE) expect(x).toHaveProperty(k);
      for (const k of ['launch', 'on_station', 'off_station', 'land'] as const) expect(x[k]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
      expect(x.plan).toBe(`sorties/${x.id}.plan`);
    }
    expect(new Set(s.sorties.map((x) => x.id)).size).toBe(s.sorties.length);
  });

  it('flies 72 patrol sorties covering every minute, with a handover at each change, and all 12 school windows', () => {
    const patrol = s.sorties.filter((x) => x.kind === 'patrol');
    expect(patrol).toHaveLength(72);
    expect(patrol[0]!.on_station <= '2026-11-24T00:00:00+08:00' || patrol[0]!.on_station.startsWith('2026-11-23')).toBe(true);
    expect(patrol[71]!.off_station).toBe('2026-11-25T00:00:00+08:00');
    expect(s.gaps).toEqual([]);
    expect(verifyDay(plan, sample.f)).toEqual([]);
    const schools = s.sorties.filter((x) => x.kind === 'school');
    for (const sc of sample.j.schools) expect(schools.filter((x) => x.targets[0] === sc.id).length).toBeGreaterThanOrEqual(3);
  });

  it('patrol routes follow the lines, areas and hotspots by priority', () => {
    const lead = s.sorties.filter((x) => x.kind === 'patrol').map((x) => x.targets[0]);
    const count = (id: string) => lead.filter((t) => t === id).length;
    expect(count('line-jinhai')).toBeGreaterThan(count('line-market')); // priority 3 vs 1
    for (const a of ['area-market', 'area-village', 'line-binhai']) expect(count(a)).toBeGreaterThan(0);
    const hot = new Set(s.sorties.flatMap((x) => x.targets).filter((t) => t.startsWith('hot-')));
    expect(hot.size).toBe(8);
  });

  it('uses no more drones than the fleet, never fewer than the lower bound', () => {
    expect(s.drones_used).toBeLessThanOrEqual(7);
    expect(s.fleet_lower_bound).toBeLessThanOrEqual(s.drones_used);
    expect(s.fleet_lower_bound).toBeGreaterThanOrEqual(5); // 4 school posts + the patrol at once
  });

  it('school sorties hover at the gate with the camera on it', () => {
    const x = plan.sorties.find((p) => p.sortie.kind === 'school')!;
    const gate = sample.j.schools.find((sc) => sc.id === x.sortie.targets[0])!.gate;
    const roi = x.mission.items.find((it) => it.command === 201 && it.params[4] !== 0)!;
    expect(roi.params[4]).toBeCloseTo(gate[1], 6);
    expect(roi.params[5]).toBeCloseTo(gate[0], 6);
    const hover = x.mission.items.find((it) => it.command === 19)!;
    expect(hover.params[6]).toBe(40);
    expect(hover.params[0]).toBeGreaterThan(60);
  });

  it('is deterministic', () => {
    expect(JSON.stringify(planDay(sample.j, sample.f, '2026-11-24').schedule)).toBe(JSON.stringify(s));
  });
});

describe('when the fleet is too small', () => {
  it('lists the gaps with reasons and the fleet that would do', () => {
    const f = { ...sample.f, drones: sample.f.drones.slice(0, 3) };
    const plan = planDay(sample.j, f, '2026-11-24');
    expect(plan.schedule.gaps.length).toBeGreaterThan(0);
    for (const g of plan.schedule.gaps) expect(g.reason).toMatch(/\w/);
    expect(plan.schedule.gaps.some((g) => g.kind === 'school')).toBe(true);
    expect(verifyDay(plan, f)).toEqual([]);
    expect(plan.schedule.fleet_lower_bound).toBeGreaterThan(3);
    expect(plan.schedule.fleet_needed).not.toBeNull();
    expect(plan.schedule.fleet_needed!).toBeGreaterThanOrEqual(plan.schedule.fleet_lower_bound);
  });
});

describe('a second station of another shape (generated: L-shaped, 20 km², 6 no-fly zones)', () => {
  const city = generatedCity(5);
  const { j, f } = load(city.geo, city.fleet);
  const plan = planDay(j, f, '2027-03-01');

  it('plans a complete, safe day', () => {
    expect(plan.schedule.sorties.filter((x) => x.kind === 'patrol')).toHaveLength(72);
    expect(verifyDay(plan, f)).toEqual([]);
    expect(plan.schedule.gaps).toEqual([]);
  });

  it('routes the lines that cross no-fly zones around them', () => {
    const crossing = plan.world.tasks.filter((t) => t.kind === 'line');
    for (const t of crossing) for (let i = 1; i < t.path.length; i++) expect(plan.world.airspace.segmentClear(t.path[i - 1]!, t.path[i]!)).toBe(true);
  });
});

describe('property: generated cities (random no-fly zones, docks, schools, hotspots)', () => {
  for (const seed of [11, 12, 13, 14]) {
    it(`city #${seed}: no leg near a no-fly zone or out of bounds, reserve kept, every requirement covered or listed`, () => {
      const city = generatedCity(seed, 12 + (seed % 3) * 6, 3 + (seed % 4), 6 + (seed % 3));
      const { j, f } = load(city.geo, city.fleet);
      const plan = planDay(j, f, '2027-06-15');
      expect(verifyDay(plan, f)).toEqual([]);
      for (const x of plan.schedule.sorties) expect(x.battery_percent).toBeLessThanOrEqual(100 - f.reservePct);
    });
  }
});

describe('the station altitude limit', () => {
  it('flies a line drawn above the limit at the limit, and says so', () => {
    const geo = JSON.parse(readFileSync('resources/samples/jinhai.geojson', 'utf8'));
    geo.features.find((x: { properties: { id: string } }) => x.properties.id === 'line-jinhai').properties.altitude_m = 150;
    geo.features.find((x: { properties: { kind: string } }) => x.properties.kind === 'boundary').properties.max_altitude_m = 100;
    const { j, f } = load(geo, JSON.parse(readFileSync('resources/samples/fleet.json', 'utf8')));
    const plan = planDay(j, f, '2026-11-24');
    expect(plan.warnings.some((w) => w.includes('line-jinhai') && w.includes('100 m'))).toBe(true);
    expect(verifyDay(plan, f)).toEqual([]);
    const alts = plan.sorties.flatMap((p) => p.mission.items.map((it) => it.params[6]));
    expect(Math.max(...alts)).toBe(100);
  });
});
