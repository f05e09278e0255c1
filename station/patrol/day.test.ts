/** Mission marks: the planner's (checked against the mission) and, for older schedules, the guessed ones. */
import { describe, expect, it } from 'vitest';
import { MAV_CMD } from '../../common/mav-cmd.js';
import { planDay } from '../../missions/plan/day.js';
import { sortiePlan } from '../../missions/plan/exports.js';
import { loadStationFiles } from '../files/station-files.js';
import { planFromText, type PlanLists } from '../files/plan-file.js';
import type { WireItem } from '../../mavlink/services/mission/types.js';
import { inferredMarks, plannedMarks } from './day.js';

const item = (seq: number, command: number, lat = 0, lon = 0): WireItem => ({ seq, command, frame: 3, params: [0, 0, 0, 0], x: Math.round(lat * 1e7), y: Math.round(lon * 1e7), z: 40, autocontinue: 1, current: 0 });
const home = { lat: 24.59, lon: 118.262, altM: 10 };
const plan = (cmds: [number, number, number][]): PlanLists => ({ home, mission: [item(0, 16, home.lat, home.lon), ...cmds.map(([c, la, lo], i) => item(i + 1, c, la, lo))], fence: [], rally: [] });

describe('marks guessed for a schedule without them', () => {
  it('patrol: on station past the takeoff, route done when heading to the dock, hold = first waypoint', () => {
    const p = plan([[22, home.lat, home.lon], [178, 0, 0], [16, 24.57, 118.25], [16, 24.6, 118.26], [16, home.lat, home.lon], [21, home.lat, home.lon]]);
    expect(inferredMarks(p, 'patrol')).toEqual({ onStationSeq: 2, returnSeq: 5, holdSeq: 3, resumeSeq: 5, items: 6 });
  });
  it('school: on station at the hover, route done after it, hold = the hover, resume = the landing', () => {
    const p = plan([[22, home.lat, home.lon], [178, 0, 0], [16, 24.593, 118.259], [201, 24.593, 118.259], [19, 24.593, 118.259], [197, 0, 0], [21, home.lat, home.lon]]);
    expect(inferredMarks(p, 'school')).toEqual({ onStationSeq: 5, returnSeq: 6, holdSeq: 5, resumeSeq: 7, items: 7 });
  });
});

describe('marks written by the planner', () => {
  const p = plan([[22, home.lat, home.lon], [178, 0, 0], [16, 24.57, 118.25], [16, 24.6, 118.26], [21, home.lat, home.lon]]);
  it('are taken as they are when they fit the mission', () => {
    expect(plannedMarks({ on_station: 2, hold: 3, return: 5, resume: 5 }, p)).toEqual({ ok: true, value: { onStationSeq: 2, holdSeq: 3, returnSeq: 5, resumeSeq: 5, items: 5 } });
  });
  it.each([
    [{ on_station: 0, hold: 3, return: 5, resume: 5 }, 'marks.on_station: 0 is not a mission item (1…5)'],
    [{ on_station: 2, hold: 3.5, return: 5, resume: 5 }, 'marks.hold: 3.5 is not a mission item'],
    [{ on_station: 2, hold: 3, return: 6, resume: 6 }, 'marks.return: 6 is not a mission item'],
    [{ on_station: 2, hold: 3, return: 5, resume: '5' }, 'marks.resume: "5" is not a mission item'],
    [{ on_station: 4, hold: 3, return: 3, resume: 5 }, 'marks: on_station 4 and hold 3 must come no later than return 3'],
    [{ on_station: 2, hold: 3, return: 5, resume: 4 }, 'resume 4 no earlier'],
  ])('refuse %j', (m, why) => {
    const r = plannedMarks(m as never, p);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(why);
  });

  it('name, for every sortie of the sample day, its post and its leg home', () => {
    const f = loadStationFiles();
    if (!f.ok) throw new Error(f.reason);
    const day = planDay(f.value.geography, f.value.fleet, '2026-11-24');
    expect(day.sorties.length).toBeGreaterThan(50);
    for (const ps of day.sorties) {
      const lists = planFromText(ps.sortie.plan, JSON.stringify(sortiePlan(ps)));
      if (!lists.ok) throw new Error(lists.reason);
      const m = plannedMarks(ps.sortie.marks!, lists.value);
      if (!m.ok) throw new Error(`${ps.sortie.id}: ${m.reason}`);
      const cmd = (seq: number) => lists.value.mission[seq]!.command;
      const where = `${ps.sortie.id} ${JSON.stringify(ps.sortie.marks)}`;
      // The leg home starts at `return` and `resume` is its first navigation item; the landing ends it.
      expect([MAV_CMD.NAV_WAYPOINT, MAV_CMD.NAV_LAND], where).toContain(cmd(m.value.resumeSeq));
      expect(cmd(m.value.items), where).toBe(MAV_CMD.NAV_LAND);
      if (ps.sortie.kind === 'school') {
        // A school post is on station at its hover, and holds there.
        expect(cmd(m.value.onStationSeq), where).toBe(MAV_CMD.NAV_LOITER_TIME);
        expect(m.value.holdSeq, where).toBe(m.value.onStationSeq);
      } else {
        expect(m.value.onStationSeq, where).toBe(2);
        expect(cmd(m.value.holdSeq), where).toBe(MAV_CMD.NAV_WAYPOINT);
      }
      // The sample day's missions are ones the old guess read right: a schedule written before marks flies the same.
      expect(m.value, where).toEqual(inferredMarks(lists.value, ps.sortie.kind));
    }
  });
});
