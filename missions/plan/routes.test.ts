import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseJurisdiction } from '../jurisdiction.js';
import { flightS, schoolRoute } from './routes.js';
import { buildWorld } from './world.js';

const j = parseJurisdiction(JSON.parse(readFileSync('resources/samples/jinhai.geojson', 'utf8')), 'geo');

describe('routes: a sortie is timed as ArduCopter flies it', () => {
  it.each([30, 60])('climbs at WPNAV_SPEED_UP 2.5 m/s and lands on the dock as NAV_LAND does, from %i m', (alt) => {
    if (!j.ok) throw new Error(j.reason);
    const w = buildWorld(j.value);
    const dock = [...w.docks.values()][0]!.p;
    const school = j.value.schools[0]!;
    const r = schoolRoute(w, dock, 10, 600, w.frame.toXY(school.gate), alt, school.id)!;
    expect(r.climbS).toBeCloseTo(alt / 2.5, 9);
    // WPNAV_SPEED_DN 1.5 m/s down to LAND_ALT_LOW 10 m, LAND_SPEED 0.5 m/s for the last 10 m: 60 m → 33.3 + 20 s.
    expect(r.descentS).toBeCloseTo((alt - 10) / 1.5 + 20, 9);
    expect(flightS(r)).toBeCloseTo(r.climbS + r.outS + 600 + r.backS + r.descentS, 9);
  });
});
