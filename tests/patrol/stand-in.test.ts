/**
 * A drone standing in for one of another dock flies that sortie's route but lands at its own dock: the route's
 * final NAV_LAND (on the planned drone's dock, where that drone may still sit) is moved to the stand-in's home.
 * Checked on the sample day's real plans (a school sortie of the station roof, flown from the kiosk).
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { landingAt } from '../../station/patrol/actions.js';
import { loadDay } from '../../station/patrol/day.js';
import { writeSampleDay } from './testkit.js';

const plan = writeSampleDay();
afterAll(() => rmSync(plan.dir, { recursive: true, force: true }));

describe('a stand-in from another dock', () => {
  it('lands at its own home; the route and the fence and rally stay as planned', async () => {
    const day = await loadDay(plan.dir, plan.files.fleet);
    if (!day.ok) throw new Error(day.reason);
    const school = day.value.sorties.find((d) => d.s.kind === 'school' && d.drone.dock === 'dock-station')!;
    const kiosk = { latDeg: 24.604, lonDeg: 118.276 };
    const before = school.plan.mission.at(-1)!;
    expect(before.command).toBe(21); // NAV_LAND on the roof dock
    expect([before.x, before.y]).toEqual([245_900_000, 1_182_620_000]);
    const moved = landingAt(school.plan, kiosk);
    expect(moved.mission.at(-1)).toEqual({ ...before, x: 246_040_000, y: 1_182_760_000 });
    expect(moved.mission.slice(0, -1)).toEqual(school.plan.mission.slice(0, -1));
    expect([moved.fence, moved.rally, moved.home]).toEqual([school.plan.fence, school.plan.rally, school.plan.home]);
    // The day's plan itself is not touched (other sorties fly it as planned).
    expect(school.plan.mission.at(-1)).toEqual(before);
  });

  it('leaves a plan that does not end in a landing as it is', async () => {
    const day = await loadDay(plan.dir, plan.files.fleet);
    if (!day.ok) throw new Error(day.reason);
    const p = day.value.sorties[0]!.plan;
    const noLand = { ...p, mission: p.mission.slice(0, -1) };
    expect(landingAt(noLand, { latDeg: 1, lonDeg: 2 })).toBe(noLand);
  });
});
