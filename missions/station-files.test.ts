import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseFleet } from './fleet.js';
import { parseJurisdiction } from './jurisdiction.js';

const sampleGeo = JSON.parse(readFileSync('resources/samples/jinhai.geojson', 'utf8'));
const sampleFleet = JSON.parse(readFileSync('resources/samples/fleet.json', 'utf8'));

describe('jurisdiction contract', () => {
  it('reads the sample station with every kind', () => {
    const r = parseJurisdiction(sampleGeo, 'jinhai.geojson');
    if (!r.ok) throw new Error(r.reason);
    const j = r.value;
    expect(j.boundary.id).toBe('jinhai');
    expect(j.boundary.maxAltitudeM).toBe(120);
    expect(j.docks.map((d) => d.id)).toEqual(['dock-station', 'dock-kiosk']);
    expect(j.docks[0]!.bays).toBe(5);
    expect(j.lines.length).toBeGreaterThan(0);
    expect(j.schools.every((s) => s.windows.length > 0)).toBe(true);
    expect(j.boundary.ring.length).toBe(5); // closing position dropped
  });

  it('names the feature, the field and the problem', () => {
    const geo = structuredClone(sampleGeo);
    const school = geo.features.find((f: { properties: { kind: string } }) => f.properties.kind === 'school');
    school.properties.windows = ['07:20-0800', '12:00-11:00'];
    const dock = geo.features.find((f: { properties: { kind: string } }) => f.properties.kind === 'dock');
    dock.geometry.coordinates = [24.59, 218.262];
    const r = parseJurisdiction(geo, 'bad.geojson');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = r.reason;
    expect(text).toContain('bad.geojson');
    expect(text).toContain(`(id ${school.properties.id}).properties.windows[0]: must be "HH:MM-HH:MM"`);
    expect(text).toContain('properties.windows[1]: "12:00-11:00" ends before it starts');
    expect(text).toContain('(id dock-station).geometry.coordinates: [24.59, 218.262] is outside WGS-84 range');
  });

  it('keeps unknown properties and ignores unknown kinds with a warning', () => {
    const geo = structuredClone(sampleGeo);
    geo.features[0].properties.qgis_layer = 'x';
    geo.features.push({ type: 'Feature', properties: { kind: 'helipad', id: 'h1' }, geometry: { type: 'Point', coordinates: [118.26, 24.59] } });
    const r = parseJurisdiction(geo, 'x.geojson');
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.warnings[0]!.problem).toContain('helipad');
  });

  it('refuses a feature with no kind (a patrol line drawn without it), naming the feature and the field', () => {
    const geo = structuredClone(sampleGeo);
    const line = geo.features.find((f: { properties: { kind: string } }) => f.properties.kind === 'patrol-line');
    delete line.properties.kind;
    const r = parseJurisdiction(geo, 'nokind.geojson');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toContain(`(id ${line.properties.id}).properties.kind: is required`);
    const g2 = structuredClone(sampleGeo);
    g2.features[1].properties.kind = 7;
    const r2 = parseJurisdiction(g2, 'kind7.geojson');
    expect(!r2.ok && r2.reason).toContain('.properties.kind: must be one of');
  });

  it('refuses zero or two boundaries, unclosed rings, wrong geometry, duplicate ids', () => {
    const geo = structuredClone(sampleGeo);
    geo.features.push(structuredClone(geo.features[0]));
    const r1 = parseJurisdiction(geo, 'two.geojson');
    expect(r1.ok).toBe(false);
    if (!r1.ok) {
      expect(r1.reason).toContain('exactly one feature of kind "boundary", found 2');
      expect(r1.reason).toContain('ids must be unique');
    }
    const g2 = structuredClone(sampleGeo);
    g2.features[0].geometry.coordinates[0].pop();
    g2.features[1].geometry = { type: 'Polygon', coordinates: [] };
    const r2 = parseJurisdiction(g2, 'g2.geojson');
    expect(r2.ok).toBe(false);
    if (!r2.ok) {
      expect(r2.reason).toContain('ring is not closed');
      expect(r2.reason).toContain('a dock must be a Point, found Polygon');
    }
    expect(parseJurisdiction({ type: 'Feature' }, 'f.json').ok).toBe(false);
  });
});

describe('fleet contract', () => {
  it('reads the sample fleet with defaults', () => {
    const r = parseFleet(sampleFleet, 'fleet.json');
    if (!r.ok) throw new Error(r.reason);
    expect(r.value.drones.map((d) => d.sysid)).toEqual([11, 12, 13, 14, 15, 16, 17]);
    expect(r.value.patrol).toEqual({ sortiesPerDay: 72, sortieMin: 20, firstLaunch: '00:00' });
    expect(r.value.reservePct).toBe(25);
    expect(r.value.drones[0]!.connect).toBeUndefined();
  });

  it('names the drone and field of each problem', () => {
    const f = structuredClone(sampleFleet);
    f.drones[1].sysid = 11;
    f.drones[2].endurance_minutes = 'long';
    delete f.drones[3].dock;
    f.patrol.first_launch = '24:00';
    const r = parseFleet(f, 'fleet.json');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const t = r.reason;
    expect(t).toContain('drones[1] (id JH-02).sysid: 11 is already the sysid of drone JH-01');
    expect(t).toContain('drones[2] (id JH-03).endurance_minutes: must be a number from 1 to 1440, found string "long"');
    expect(t).toContain('drones[3] (id JH-04).dock: is required');
    expect(t).toContain('patrol.first_launch: must be HH:MM');
  });
});
