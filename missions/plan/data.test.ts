import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseFleet } from '../fleet.js';
import { parseJurisdiction } from '../jurisdiction.js';
import { planDay } from './day.js';
import { plannedTracks } from './exports.js';
import { addTracks, emptyGrid, freshnessGeoJSON, staleness, summary } from './freshness.js';
import { clusterHotspots, parseIncidentsCsv, parseIncidentsGeoJSON } from './incidents.js';
import { isoLocal, localMidnightUtcMs, parseIso, tzOffsetMin } from './timezone.js';
import { rng } from './testkit.js';

const j = parseJurisdiction(JSON.parse(readFileSync('resources/samples/jinhai.geojson', 'utf8')), 'j');
const f = parseFleet(JSON.parse(readFileSync('resources/samples/fleet.json', 'utf8')), 'f');
if (!j.ok || !f.ok) throw new Error('sample');

describe('station time', () => {
  it('Asia/Shanghai is +08:00 all year', () => {
    expect(tzOffsetMin('Asia/Shanghai', Date.UTC(2026, 0, 1))).toBe(480);
    expect(tzOffsetMin('Asia/Shanghai', Date.UTC(2026, 6, 1))).toBe(480);
    const mid = localMidnightUtcMs('2026-11-24', 'Asia/Shanghai');
    expect(new Date(mid).toISOString()).toBe('2026-11-23T16:00:00.000Z');
    expect(isoLocal(mid + 90_000, 'Asia/Shanghai')).toBe('2026-11-24T00:01:30+08:00');
    expect(parseIso('2026-11-24T00:01:30+08:00')).toBe(mid + 90_000);
  });
  it('handles zones with DST and negative offsets', () => {
    expect(isoLocal(Date.UTC(2026, 6, 1, 12), 'America/New_York')).toBe('2026-07-01T08:00:00-04:00');
    expect(isoLocal(Date.UTC(2026, 0, 1, 12), 'America/New_York')).toBe('2026-01-01T07:00:00-05:00');
  });
});

describe('coverage freshness', () => {
  it('marks what the planned day sees and turns orange and red with time', () => {
    const plan = planDay(j.value, f.value, '2026-11-24');
    const g = addTracks(emptyGrid(j.value.boundary.ring, { cellM: 100, orangeAfterH: 24, redAfterH: 72 }), plannedTracks(plan, 80));
    const end = localMidnightUtcMs('2026-11-25', 'Asia/Shanghai');
    const now = summary(g, end);
    expect(now.fresh).toBeGreaterThan(100);
    expect(now.orange + now.red).toBe(0);
    expect(now.never).toBeGreaterThan(0); // corners no route passes
    const later = summary(g, end + 48 * 3.6e6);
    expect(later.orange).toBe(now.fresh);
    expect(summary(g, end + 100 * 3.6e6).red).toBe(now.fresh);
    const st = staleness(g, end);
    expect(st(j.value.hotspots[0]!.at)).toBeLessThan(1.5);
    expect(freshnessGeoJSON(g, end).features.length).toBe(now.fresh + now.never);
  });

  it('the next day favours stale places', () => {
    const g = emptyGrid(j.value.boundary.ring);
    const plan = planDay(j.value, f.value, '2026-11-24');
    addTracks(g, plannedTracks(plan).filter((t, i) => plan.sorties[i]!.sortie.targets[0] !== 'area-village'));
    const st = staleness(g, localMidnightUtcMs('2026-11-25', 'Asia/Shanghai') + 80 * 3.6e6);
    const next = planDay(j.value, f.value, '2026-11-25', { staleness: st });
    expect(next.world.tasks.find((t) => t.id === 'area-village')!.weight).toBeGreaterThan(plan.world.tasks.find((t) => t.id === 'area-village')!.weight);
  });
});

describe('incidents → hotspots', () => {
  it('clusters CSV incidents with DBSCAN', () => {
    const r = rng(4);
    const rows = ['lat,lon,time,type'];
    for (const [lat, lon, n] of [[24.5875, 118.268, 20], [24.6025, 118.252, 8]] as const) {
      for (let i = 0; i < n; i++) rows.push(`${lat + (r() - 0.5) * 0.001},${lon + (r() - 0.5) * 0.001},2026-11-20T21:0${i % 10}:00+08:00,theft`);
    }
    rows.push('24.575,118.282,2026-11-20T10:00:00+08:00,noise'); // lone: noise
    const inc = parseIncidentsCsv(rows.join('\n'), 'inc.csv');
    if (!inc.ok) throw new Error(inc.reason);
    const hs = clusterHotspots(inc.value, { epsM: 150, minPts: 3 });
    expect(hs.map((h) => h.weight)).toEqual([20, 8]);
    expect(hs[0]!.at[0]).toBeCloseTo(118.268, 3);
    expect(hs[0]!.id).toBe('inc-1');
  });

  it('names the CSV line and field that is wrong', () => {
    const r = parseIncidentsCsv('lat,lon,time,type\n24.5,118.2,2026-11-20T21:00:00+08:00,x\n124.5,118.2,,x\n24.5,118.2,yesterday,x', 'inc.csv');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = r.reason;
    expect(text).toContain('inc.csv');
    expect(text).toContain('line 3, lat');
    expect(text).toContain('line 4, time');
    expect(parseIncidentsCsv('a,b\n1,2', 'x.csv').ok).toBe(false);
  });

  it('reads GeoJSON points', () => {
    const r = parseIncidentsGeoJSON({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { type: 'fight' }, geometry: { type: 'Point', coordinates: [118.26, 24.59] } }, { type: 'Feature', geometry: { type: 'LineString', coordinates: [] } }] }, 'i.geojson');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain('features[1].geometry');
  });
});
