/** System tests of `kongxun plan` (planMain called directly; the binary wiring is the lead's). */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planMain } from '../../station/cli/plan.js';

function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  return planMain(argv, (s) => out.push(s), (s) => err.push(s)).then((code) => ({ code, out: out.join('\n'), err: err.join('\n') }));
}
const tmp = () => mkdtempSync(join(tmpdir(), 'kx-plan-'));
const sampleGeo = readFileSync('resources/samples/jinhai.geojson', 'utf8');
const sampleFleet = JSON.parse(readFileSync('resources/samples/fleet.json', 'utf8'));

describe('kongxun plan', () => {
  it('plans the sample day: exit 0, schedule + one .plan per sortie + routes', async () => {
    const dir = tmp();
    const r = await run(['--date', '2026-11-24', '--out', dir]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('72 patrol');
    const s = JSON.parse(readFileSync(join(dir, 'schedule.json'), 'utf8'));
    expect(Object.keys(s).slice(0, 6)).toEqual(['station', 'date', 'timezone', 'fleet_lower_bound', 'sorties', 'gaps']);
    const plans = readdirSync(join(dir, 'sorties')).filter((n) => n.endsWith('.plan'));
    expect(plans.length).toBe(s.sorties.length);
    for (const x of s.sorties) {
      const p = JSON.parse(readFileSync(join(dir, x.plan), 'utf8'));
      expect(p.fileType).toBe('Plan');
      expect(p.mission.items[0].command).toBe(22);
      expect(p.mission.items.at(-1).command).toBe(21);
    }
    const routes = JSON.parse(readFileSync(join(dir, 'routes.geojson'), 'utf8'));
    expect(routes.features).toHaveLength(s.sorties.length);
  });

  it('exit 3 with the gaps written and said when the fleet is too small', async () => {
    const dir = tmp();
    const fleet = join(dir, 'fleet.json');
    writeFileSync(fleet, JSON.stringify({ ...sampleFleet, drones: sampleFleet.drones.slice(0, 2) }));
    const r = await run(['--fleet', fleet, '--date', '2026-11-24', '--out', join(dir, 'out')]);
    expect(r.code).toBe(3);
    expect(r.out).toContain('NOT COVERED');
    const s = JSON.parse(readFileSync(join(dir, 'out', 'schedule.json'), 'utf8'));
    expect(s.gaps.length).toBeGreaterThan(0);
    expect(s.fleet_lower_bound).toBeGreaterThan(2);
  });

  it('exit 2 naming the file, feature and field when the station breaks the contract', async () => {
    const dir = tmp();
    const geo = JSON.parse(sampleGeo);
    const school = geo.features.find((f: { properties: { id: string } }) => f.properties.id === 'school-2');
    school.properties.windows = ['7:25-08:00'];
    const station = join(dir, 'bad.geojson');
    writeFileSync(station, JSON.stringify(geo));
    const r = await run(['--station', station, '--date', '2026-11-24', '--out', join(dir, 'out')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('bad.geojson');
    expect(r.err).toContain('school-2');
    expect(r.err).toContain('windows[0]');
  });

  it('exit 2 on a bad date, an unknown option or unreadable incidents', async () => {
    expect((await run(['--date', '2026-02-30'])).code).toBe(2);
    expect((await run(['--dat', '2026-02-03'])).code).toBe(2);
    const r = await run(['--date', '2026-11-24', '--incidents', '/nonexistent/x.csv', '--out', tmp()]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('/nonexistent/x.csv');
  });

  it('turns an incidents CSV into hotspots the routes visit', async () => {
    const dir = tmp();
    const csv = join(dir, 'inc.csv');
    const rows = ['lat,lon,time,type'];
    for (let i = 0; i < 12; i++) rows.push(`${24.609 + (i % 3) * 0.0003},${118.249 + (i % 4) * 0.0003},2026-11-20T2${i % 4}:00:00+08:00,theft`);
    writeFileSync(csv, rows.join('\n'));
    const r = await run(['--date', '2026-11-24', '--out', join(dir, 'out'), '--incidents', csv]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('1 hotspot');
    const s = JSON.parse(readFileSync(join(dir, 'out', 'schedule.json'), 'utf8'));
    expect(s.sorties.some((x: { targets: string[] }) => x.targets.includes('inc-1'))).toBe(true);
  });
});

describe('kongxun plan --tracks', () => {
  it('reads yesterday\'s routes as tracks, writes freshness and favours what is stale', async () => {
    const dir = tmp();
    expect((await run(['--date', '2026-11-24', '--out', join(dir, 'd1')])).code).toBe(0);
    const r = await run(['--date', '2026-11-25', '--out', join(dir, 'd2'), '--tracks', join(dir, 'd1', 'routes.geojson'), '--orange-hours', '12', '--red-hours', '36']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/coverage freshness .* \d+ fresh, \d+ orange, \d+ red, \d+ never seen/);
    const f = JSON.parse(readFileSync(join(dir, 'd2', 'freshness.geojson'), 'utf8'));
    expect(f.features.some((x: { properties: { status: string } }) => x.properties.status === 'fresh')).toBe(true);
    expect((await run(['--date', '2026-11-25', '--out', join(dir, 'd3'), '--tracks', join(dir, 'd1', 'routes.geojson'), '--red-hours', '1'])).code).toBe(2);
  });
});
