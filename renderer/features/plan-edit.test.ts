import { describe, expect, it } from 'vitest';
import { MAV_CMD } from '../../common/mav-cmd.js';
import { item, sameItem, type Mission } from '../../missions/formats/items.js';
import { usableFlightS } from '../../missions/fleet.js';
import { missionIssues, rulesOf } from './flight-check.js';
import {
  applyEdit, batteryChecks, readMission, writeMission, estimateRoute, HISTORY_LIMIT, issuesByItem, kindOf, record, redo, rows, startHistory, totals, undo, type EditOp,
} from './plan-edit.js';

// The sample station's boundary and its 变电站 no-fly zone (resources/samples/jinhai.geojson).
const GEO = {
  type: 'FeatureCollection',
  features: [
    { type: 'Feature', properties: { kind: 'boundary', id: 'jinhai', name: '金海 sample jurisdiction', max_altitude_m: 120, timezone: 'Asia/Shanghai' }, geometry: { type: 'Polygon', coordinates: [[[118.245, 24.57], [118.285, 24.57], [118.285, 24.6], [118.27, 24.615], [118.245, 24.615], [118.245, 24.57]]] } },
    { type: 'Feature', properties: { kind: 'no-fly', id: 'nofly-substation', name: '变电站 substation', reason: 'critical infrastructure' }, geometry: { type: 'Polygon', coordinates: [[[118.272, 24.588], [118.276, 24.588], [118.276, 24.592], [118.272, 24.592], [118.272, 24.588]]] } },
  ],
};
const HOME = { lat: 24.59, lon: 118.262, altM: 0 };
// The sample station's dock, a loop to the north, back.
const base: Mission = {
  home: HOME,
  cruiseMps: 10,
  hoverMps: 5,
  items: [item.takeoff(HOME.lat, HOME.lon, 60), item.waypoint(24.598, 118.262, 60), item.waypoint(24.598, 118.27, 60), item.rtl()],
};
const cmds = (m: Mission) => m.items.map((it) => kindOf(it));
const edit = (m: Mission, ...ops: EditOp[]) => ops.reduce((x, op) => {
  const r = applyEdit(x, op);
  if (r.refused) throw new Error(r.refused);
  return r.mission;
}, m);

describe('plan-edit: the planner\'s edits', () => {
  it.each<[string, EditOp, string[], number | null]>([
    ['append a waypoint: before the final return', { op: 'add', kind: 'waypoint', lat: 24.595, lon: 118.275, altM: 50 }, ['takeoff', 'waypoint', 'waypoint', 'waypoint', 'rtl'], 3],
    ['insert a waypoint after the selected item', { op: 'add', kind: 'waypoint', lat: 24.595, lon: 118.275, altM: 50, after: 1 }, ['takeoff', 'waypoint', 'waypoint', 'waypoint', 'rtl'], 2],
    ['a hover with the camera on the point', { op: 'add', kind: 'hover', lat: 24.595, lon: 118.275, altM: 50, holdS: 90 }, ['takeoff', 'waypoint', 'waypoint', 'camera', 'hover', 'camera-off', 'rtl'], 4],
    ['insert between two places', { op: 'insert-between', index: 1 }, ['takeoff', 'waypoint', 'waypoint', 'waypoint', 'rtl'], 2],
    ['delete', { op: 'delete', index: 2 }, ['takeoff', 'waypoint', 'rtl'], 2],
    ['move down', { op: 'move', index: 2, by: 1 }, ['takeoff', 'waypoint', 'rtl', 'waypoint'], 3],
    ['a landing at the end', { op: 'add-end', kind: 'land' }, ['takeoff', 'waypoint', 'waypoint', 'rtl', 'land'], 4],
    ['a new mission from a dock', { op: 'new', lat: 24.604, lon: 118.276, altM: 40 }, ['takeoff'], 0],
  ])('%s', (_what, op, kinds, select) => {
    const r = applyEdit(base, op);
    expect(r.refused).toBeUndefined();
    expect(cmds(r.mission)).toEqual(kinds);
    expect(r.select).toBe(select);
    expect(base.items).toHaveLength(4); // never mutated
  });

  it('places: the inserted waypoint is halfway, the hover looks at its own point, values are set where they belong', () => {
    const mid = applyEdit(base, { op: 'insert-between', index: 1 }).mission.items[2]!;
    expect([mid.params[4], mid.params[5], mid.params[6]]).toEqual([24.598, 118.266, 60]);
    const h = applyEdit(base, { op: 'add', kind: 'hover', lat: 24.595, lon: 118.275, altM: 50, holdS: 90 }).mission.items;
    expect(h[3]).toMatchObject({ command: MAV_CMD.DO_SET_ROI, params: [0, 0, 0, 0, 24.595, 118.275, 0] });
    expect(h[4]).toMatchObject({ command: MAV_CMD.NAV_LOITER_TIME, params: [90, 0, 0, 1, 24.595, 118.275, 50] });
    expect(h[5]!.params.slice(4)).toEqual([0, 0, 0]);
    const set = edit(base, { op: 'set', index: 1, altM: 45, holdS: 12 }, { op: 'set', index: 2, lat: 24.6, lon: 118.271 });
    expect(set.items[1]!.params).toEqual([12, 0, 0, 0, 24.598, 118.262, 45]);
    expect(set.items[2]!.params.slice(4)).toEqual([24.6, 118.271, 60]);
  });

  it.each<[string, EditOp]>([
    ['an altitude that is not a number', { op: 'set', index: 1, altM: NaN }],
    ['an altitude on a return', { op: 'set', index: 3, altM: 50 }],
    ['a hold on a take-off', { op: 'set', index: 0, holdS: 5 }],
    ['a negative hold', { op: 'set', index: 1, holdS: -1 }],
    ['a place off the earth', { op: 'add', kind: 'waypoint', lat: 95, lon: 118, altM: 50 }],
    ['an item that does not exist', { op: 'delete', index: 9 }],
    ['moving the first item up', { op: 'move', index: 0, by: -1 }],
    ['inserting after the last place', { op: 'insert-between', index: 2 }],
  ])('refuses %s and leaves the mission as it was', (_what, op) => {
    const r = applyEdit(base, op);
    expect(r.refused).toBeTruthy();
    expect(r.mission).toBe(base);
  });

  it('one numbering: rows carry the wire sequence number (home 0, first item 1), the count is the items', () => {
    const m = edit(base, { op: 'add', kind: 'hover', lat: 24.595, lon: 118.275, altM: 50 });
    expect(rows(m).map((r) => [r.seq, r.kind])).toEqual([[1, 'takeoff'], [2, 'waypoint'], [3, 'waypoint'], [4, 'camera'], [5, 'hover'], [6, 'camera-off'], [7, 'rtl']]);
    expect(rows(m)[4]).toMatchObject({ altM: 50, holdS: 60, at: { lat: 24.595, lon: 118.275 } });
    expect(rows(m)[6]!.at).toBeUndefined();
    expect(totals(m)).toMatchObject({ items: 7, places: 4, holdS: 60 });
  });
});

describe('plan-edit: the route estimate and the checks', () => {
  it('times the route: climb, legs at cruise speed, holds, the way home and the descent', () => {
    const e = estimateRoute(base, { climbMps: 3, descentMps: 1.5 });
    // 60 m climb at 3 m/s = 20 s; 889.6 m north, 811.0 m east, 1204 m back at 10 m/s; 60 m down at 1.5 m/s = 40 s
    expect(e.routeM).toBeCloseTo(889.6 + 811.0 + 1204.1, -1);
    expect(e.flightS).toBeCloseTo(20 + e.routeM / 10 + 40, 3);
    expect(e.legs.map((l) => l.index)).toEqual([0, 1, 2, 3]);
    const held = estimateRoute(edit(base, { op: 'set', index: 1, holdS: 30 }), { climbMps: 3, descentMps: 1.5 });
    expect(held.flightS - e.flightS).toBeCloseTo(30, 6);
    expect(held.holdS).toBe(30);
    // Without a return, the way home is still counted.
    const open = estimateRoute(edit(base, { op: 'delete', index: 3 }), { climbMps: 3, descentMps: 1.5 });
    expect(open.flightS).toBeCloseTo(e.flightS, 6);
  });

  it('flags the first item past the usable battery (endurance less reserve), and a loiter without end', () => {
    const e = estimateRoute(base);
    expect(batteryChecks(e, usableFlightS(55, 25), 4)).toEqual([]);
    // A drone of 4 minutes with a 50 % reserve has 120 s: the second waypoint is reached later than that.
    const checks = batteryChecks(e, usableFlightS(4, 50), 4);
    expect(checks).toEqual([{ index: 2, code: 'battery', needS: e.flightS, usableS: 120 }]);
    const endless = { ...base, items: [base.items[0]!, { ...item.waypoint(24.598, 118.262, 60), command: MAV_CMD.NAV_LOITER_UNLIM }, item.rtl()] };
    expect(batteryChecks(estimateRoute(endless), 3000, 3)).toEqual([{ index: 1, code: 'endless' }]);
    expect(batteryChecks(e, undefined, 4)).toEqual([]);
  });

  it('puts the station\'s flight check on the item it is about: a waypoint dragged into the 变电站 and a leg through it', () => {
    const rules = rulesOf(GEO)!;
    expect(rules).toBeDefined();
    expect(issuesByItem(missionIssues(rules, base))).toEqual([]);
    const inside = edit(base, { op: 'set', index: 2, lat: 24.59, lon: 118.274 });
    const c = issuesByItem(missionIssues(rules, inside));
    expect(c.map((x) => [x.index, x.code === 'flight' && x.issue.code])).toEqual([[2, 'no-fly']]);
    // Both ends clear, the leg between them through the substation: on the item the leg leads to.
    const through = edit(base, { op: 'set', index: 1, lat: 24.586, lon: 118.268 }, { op: 'set', index: 2, lat: 24.594, lon: 118.28 });
    expect(issuesByItem(missionIssues(rules, through)).map((x) => [x.index, x.code === 'flight' && x.issue.code])).toEqual([[2, 'no-fly']]);
    const high = edit(base, { op: 'set', index: 1, altM: 150 });
    expect(issuesByItem(missionIssues(rules, high)).map((x) => [x.index, x.code === 'flight' && x.issue.code])).toEqual([[1, 'too-high']]);
  });
});

describe('plan-edit: undo and redo', () => {
  it('undoes and redoes, a new edit clears redo, history is bounded', () => {
    const a = edit(base, { op: 'delete', index: 1 });
    const b = edit(a, { op: 'delete', index: 1 });
    let h = record(record(startHistory(base), a), b);
    h = undo(h);
    expect(h.present).toBe(a);
    h = undo(h);
    expect(h.present).toBe(base);
    expect(undo(h)).toBe(h);
    h = redo(h);
    expect(h.present).toBe(a);
    const c = edit(a, { op: 'set', index: 0, altM: 40 });
    h = record(h, c);
    expect(h.future).toEqual([]);
    expect(redo(h)).toBe(h);
    let long = startHistory(base);
    for (let i = 0; i < HISTORY_LIMIT + 20; i++) long = record(long, edit(base, { op: 'set', index: 0, altM: i + 1 }));
    expect(long.past).toHaveLength(HISTORY_LIMIT);
  });
});

describe('plan-edit: files', () => {
  it.each(['plan', 'waypoints', 'kml'] as const)('saves as .%s and opens the same items', (kind) => {
    const m = edit(base, { op: 'add', kind: 'hover', lat: 24.595, lon: 118.275, altM: 50, holdS: 90 }, { op: 'set', index: 1, altM: 45, holdS: 3 });
    const f = writeMission(kind, 'P001', m);
    expect(f.name).toBe(`P001.${kind}`);
    const back = readMission(f.name, f.text);
    if (!back.ok) throw new Error(back.reason);
    expect(back.value.home.lat).toBeCloseTo(m.home.lat, 7);
    expect(back.value.items).toHaveLength(m.items.length);
    back.value.items.forEach((it, i) => expect(sameItem(it, m.items[i]!)).toBe(true));
    expect(rows(back.value)).toEqual(rows(m));
  });

  it('says what is wrong with a file it cannot read', () => {
    expect(readMission('x.plan', '{')).toMatchObject({ ok: false });
    expect(readMission('x.kml', '<kml><Placemark>')).toMatchObject({ ok: false, reason: expect.stringContaining('never closed') });
    expect(readMission('x.waypoints', 'QGC WPL 110\n1 2 3')).toMatchObject({ ok: false, reason: expect.stringContaining('line 2') });
  });
});
