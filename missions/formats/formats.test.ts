import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseFleet } from '../fleet.js';
import { parseJurisdiction } from '../jurisdiction.js';
import { planDay } from '../plan/day.js';
import { routesGeoJSON, routesKml, sortiePlan, sortieWaypoints } from '../plan/exports.js';
import { importRoute } from './import-route.js';
import { item, sameItem } from './items.js';
import { fromKml } from './kml.js';
import { fromPlan } from './qgc-plan.js';
import { fromWaypoints } from './wpl.js';

const j = parseJurisdiction(JSON.parse(readFileSync('resources/samples/jinhai.geojson', 'utf8')), 'j');
const f = parseFleet(JSON.parse(readFileSync('resources/samples/fleet.json', 'utf8')), 'f');
if (!j.ok || !f.ok) throw new Error('sample');
const plan = planDay(j.value, f.value, '2026-11-24');

describe('.plan (QGroundControl)', () => {
  it('writes the QGC structure ArduPilot copters expect', () => {
    const p = sortiePlan(plan.sorties[0]!);
    expect(p.fileType).toBe('Plan');
    expect(p.version).toBe(1);
    expect(p.mission.version).toBe(2);
    expect(p.mission.firmwareType).toBe(3);
    expect(p.mission.vehicleType).toBe(2);
    expect(p.mission.plannedHomePosition).toEqual([24.59, 118.262, 0]);
    expect(p.geoFence.version).toBe(2);
    expect(p.geoFence.polygons.map((x) => x.inclusion)).toEqual([false, false]);
    expect(p.rallyPoints.version).toBe(2);
    p.mission.items.forEach((it, i) => {
      expect(it.type).toBe('SimpleItem');
      expect(it.params).toHaveLength(7);
      expect(it.doJumpId).toBe(i + 1);
      expect(it.AltitudeMode).toBe(1);
    });
  });

  it('round-trips every item of every sortie (through JSON text)', () => {
    for (const ps of plan.sorties) {
      const back = fromPlan(JSON.parse(JSON.stringify(sortiePlan(ps))));
      if (!back.ok) throw new Error(back.reason);
      expect(back.value.items).toHaveLength(ps.mission.items.length);
      back.value.items.forEach((it, i) => expect(sameItem(it, ps.mission.items[i]!)).toBe(true));
      expect(back.value.fenceExclusions).toEqual(ps.mission.fenceExclusions);
    }
  });

  it('keeps NaN params as null and back', () => {
    const m = { home: { lat: 1, lon: 2, altM: 3 }, items: [{ ...item.waypoint(1, 2, 30), params: [0, 0, 0, NaN, 1, 2, 30] as [number, number, number, number, number, number, number] }], cruiseMps: 5, hoverMps: 3 };
    const text = JSON.stringify(sortiePlan({ ...plan.sorties[0]!, mission: m }));
    expect(text).toContain('null');
    const back = fromPlan(JSON.parse(text));
    expect(back.ok && Number.isNaN(back.value.items[0]!.params[3])).toBe(true);
  });

  it('refuses what it cannot read, saying where', () => {
    expect(fromPlan({ fileType: 'Plan', mission: { items: [{ type: 'ComplexItem', complexItemType: 'survey' }] } })).toEqual({ ok: false, code: 'invalid-input', reason: expect.stringContaining('mission.items[0]') });
  });
});

describe('.waypoints (QGC WPL 110)', () => {
  it('round-trips every item of every sortie', () => {
    for (const ps of plan.sorties) {
      const text = sortieWaypoints(ps);
      expect(text.startsWith('QGC WPL 110\n0\t1\t0\t16\t')).toBe(true);
      const back = fromWaypoints(text);
      if (!back.ok) throw new Error(back.reason);
      expect(back.value.home.lat).toBeCloseTo(ps.mission.home.lat, 7);
      expect(back.value.items).toHaveLength(ps.mission.items.length);
      back.value.items.forEach((it, i) => expect(sameItem(it, ps.mission.items[i]!)).toBe(true));
    }
  });

  it('names the bad line', () => {
    expect(fromWaypoints('QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t1\t2\t3\t1\n1\t0\t3\t16\t0\t0\n')).toEqual({ ok: false, code: 'invalid-input', reason: expect.stringContaining('line 3') });
  });
});

describe('KML and GeoJSON exports, route import', () => {
  it('KML keeps every route and position', () => {
    const back = fromKml(routesKml(plan));
    if (!back.ok) throw new Error(back.reason);
    expect(back.value).toHaveLength(plan.sorties.length);
    back.value.forEach((r, i) => {
      expect(r.name).toBe(plan.sorties[i]!.sortie.id);
      expect(r.coords).toHaveLength(plan.sorties[i]!.route.length);
      expect(r.coords[0]!.lon).toBeCloseTo(plan.sorties[i]!.route[0]![0], 6);
    });
  });

  it('GeoJSON has one LineString per sortie with its schedule fields', () => {
    const g = routesGeoJSON(plan) as { features: { properties: { id: string }; geometry: { type: string; coordinates: number[][] } }[] };
    expect(g.features).toHaveLength(plan.sorties.length);
    expect(g.features[0]!.geometry.type).toBe('LineString');
    expect(g.features[0]!.properties.id).toBe(plan.sorties[0]!.sortie.id);
  });

  it('imports a hand-drawn .plan, .waypoints or KML route as a patrol line', () => {
    const ps = plan.sorties.find((p) => p.sortie.kind === 'patrol')!;
    const fromP = importRoute(JSON.stringify(sortiePlan(ps)), 'a.plan', 'line-new');
    const fromW = importRoute(sortieWaypoints(ps), 'a.waypoints', 'line-new');
    const fromK = importRoute('<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>新路线</name><LineString><coordinates>118.25,24.58,55 118.26,24.59,55 118.27,24.595,55</coordinates></LineString></Placemark></Document></kml>', 'a.kml', 'line-kml');
    for (const r of [fromP, fromW, fromK]) if (!r.ok) throw new Error(r.reason);
    if (!fromP.ok || !fromW.ok || !fromK.ok) return;
    expect(fromP.value.path.length).toBeGreaterThan(2);
    expect(fromW.value.path).toEqual(fromP.value.path);
    expect(fromK.value).toMatchObject({ id: 'line-kml', name: '新路线', altitudeM: 55, path: [[118.25, 24.58], [118.26, 24.59], [118.27, 24.595]] });
    expect(importRoute('hello', 'x.txt', 'l')).toEqual({ ok: false, code: 'invalid-input', reason: expect.stringContaining('x.txt') });
  });
});
