/** Mission marks of the planner's sortie shapes: on station, route done, hold and resume items. */
import { describe, expect, it } from 'vitest';
import { missionMarks } from '../../station/patrol/day.js';
import type { PlanLists } from '../../station/files/plan-file.js';
import type { WireItem } from '../../mavlink/services/mission/types.js';

const item = (seq: number, command: number, lat = 0, lon = 0): WireItem => ({ seq, command, frame: 3, params: [0, 0, 0, 0], x: Math.round(lat * 1e7), y: Math.round(lon * 1e7), z: 40, autocontinue: 1, current: 0 });
const home = { lat: 24.59, lon: 118.262, altM: 10 };
const plan = (cmds: [number, number, number][]): PlanLists => ({ home, mission: [item(0, 16, home.lat, home.lon), ...cmds.map(([c, la, lo], i) => item(i + 1, c, la, lo))], fence: [], rally: [] });

describe('mission marks', () => {
  it('patrol: on station past the takeoff, route done when heading to the dock, hold = first waypoint', () => {
    const p = plan([[22, home.lat, home.lon], [178, 0, 0], [16, 24.57, 118.25], [16, 24.6, 118.26], [16, home.lat, home.lon], [21, home.lat, home.lon]]);
    expect(missionMarks(p, 'patrol')).toEqual({ onStationSeq: 2, returnSeq: 5, holdSeq: 3, resumeSeq: 5, items: 6 });
  });
  it('school: on station at the hover, route done after it, hold = the hover, resume = the landing', () => {
    const p = plan([[22, home.lat, home.lon], [178, 0, 0], [16, 24.593, 118.259], [201, 24.593, 118.259], [19, 24.593, 118.259], [197, 0, 0], [21, home.lat, home.lon]]);
    expect(missionMarks(p, 'school')).toEqual({ onStationSeq: 5, returnSeq: 6, holdSeq: 5, resumeSeq: 7, items: 7 });
  });
});
