import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseFleet } from '../fleet.js';
import { parseJurisdiction } from '../jurisdiction.js';
import { planDay } from './day.js';
import { checkList, FlightRules, type ListItem } from './flight-check.js';

const geo = JSON.parse(readFileSync('resources/samples/jinhai.geojson', 'utf8')) as unknown;
const rules = FlightRules.fromGeoJson(geo)!;
// The 变电站 substation: 118.272–118.276 E, 24.588–24.592 N.
const SUB = { latDeg: 24.59, lonDeg: 118.274 };
const m = (deg: number) => deg * 111_000;

describe('FlightRules on the sample station', () => {
  it('reads the limits: 120 m ceiling, the planner margins', () => {
    expect([rules.maxAltitudeM, rules.noFlyMarginM, rules.boundaryMarginM]).toEqual([120, 30, 50]);
  });

  it('refuses a go-to inside the substation, and within its 30 m margin, naming the zone', () => {
    const inside = rules.point(SUB.latDeg, SUB.lonDeg, 40, 'go-to point');
    expect(inside).toHaveLength(1);
    expect(inside[0]).toMatchObject({ code: 'no-fly', zone: { id: 'nofly-substation', name: '变电站 substation' } });
    expect(inside[0]!.reason).toBe('go-to point is inside no-fly zone 变电站 substation (critical infrastructure) or within its 30 m margin');
    // 20 m north of the zone's north edge (24.592): within the margin; 60 m north: clear.
    expect(rules.point(24.592 + 20 / m(1), SUB.lonDeg, 40, 'p').map((x) => x.code)).toEqual(['no-fly']);
    expect(rules.point(24.592 + 60 / m(1), SUB.lonDeg, 40, 'p')).toEqual([]);
  });

  it('refuses outside the boundary, above the ceiling, and what is not a number', () => {
    expect(rules.point(24.4, 118.0, 40, 'go-to point').map((x) => x.code)).toEqual(['outside-boundary']);
    expect(rules.point(24.61, 118.26, 121, 'go-to point')[0]).toMatchObject({ code: 'too-high', limitM: 120, valueM: 121 });
    expect(rules.point('x', 118.26, 40, 'go-to point')[0]!.reason).toBe('go-to point: latitude "x" is not a latitude');
    expect(rules.point(24.61, 118.26, NaN, 'go-to point').map((x) => x.code)).toEqual(['bad-number']);
    expect(rules.altitude(0, 'take-off').map((x) => x.code)).toEqual(['too-low']);
    expect(rules.altitude(30, 'take-off')).toEqual([]);
  });

  it('checks the whole circle of an orbit', () => {
    // Centre 100 m north of the zone: a 50 m circle passes (20 m beyond the 30 m margin), a 90 m one does not.
    const lat = 24.592 + 100 / m(1);
    expect(rules.orbit(lat, SUB.lonDeg, 50, 40)).toEqual([]);
    expect(rules.orbit(lat, SUB.lonDeg, 90, 40).map((x) => x.code)).toEqual(['no-fly']);
    expect(rules.orbit(lat, SUB.lonDeg, 0, 40).map((x) => x.code)).toEqual(['bad-number']);
  });

  it('passes every mission the planner writes for the sample day, and finds a leg through the substation', () => {
    const j = parseJurisdiction(geo, 'jinhai');
    const f = parseFleet(JSON.parse(readFileSync('resources/samples/fleet.json', 'utf8')), 'fleet');
    if (!j.ok || !f.ok) throw new Error('sample');
    const plan = planDay(j.value, f.value, '2026-11-24');
    let checked = 0;
    for (const s of plan.sorties) {
      const items: ListItem[] = [
        { seq: 0, command: 16, frame: 0, x: Math.round(s.mission.home.lat * 1e7), y: Math.round(s.mission.home.lon * 1e7), z: 0 },
        ...s.mission.items.map((it, i) => ({ seq: i + 1, command: it.command, frame: it.frame, x: Math.round((it.params[4] || 0) * 1e7), y: Math.round((it.params[5] || 0) * 1e7), z: it.params[6] })),
      ];
      expect(checkList(rules, 'mission', items), s.sortie.id).toEqual([]);
      checked++;
    }
    expect(checked).toBeGreaterThan(72);
    // West of the zone to east of it at the same latitude: both ends clear, the leg crosses.
    const west = { seq: 1, command: 16, frame: 3, x: Math.round(SUB.latDeg * 1e7), y: Math.round(118.27 * 1e7), z: 40 };
    const east = { seq: 2, command: 16, frame: 3, x: Math.round(SUB.latDeg * 1e7), y: Math.round(118.278 * 1e7), z: 40 };
    const crossing = checkList(rules, 'mission', [west, east]);
    expect(crossing).toHaveLength(1);
    expect(crossing[0]!.reason).toBe('mission leg mission item 1 → mission item 2 crosses no-fly zone 变电站 substation (critical infrastructure) or within its 30 m margin');
    expect(checkList(rules, 'mission', [{ ...west, z: 150 }]).map((x) => x.code)).toEqual(['too-high']);
  });
});
