import { describe, expect, it } from 'vitest';
import { MAV_CMD } from '../../common/mav-cmd.js';
import { item, sameItem, type Mission } from '../../missions/formats/items.js';
import { usableFlightS } from '../../missions/fleet.js';
import { COPTER_DEFAULTS, type CopterReturnParams } from '../../missions/plan/copter-return.js';
import { missionIssues, rulesOf } from './flight-check.js';
import {
  applyEdit, batteryChecks, hoverUnits, readMission, writeMission, estimateRoute, HISTORY_LIMIT, issuesByItem, kindOf, record, redo, rows, startHistory, totals, undo, type EditOp,
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

describe('plan-edit: a hover and its camera items are one unit', () => {
  // base + a hover at the end: 1 takeoff, 2 A, 3 B, 4 camera on, 5 hover, 6 camera released, 7 return.
  const hovered = edit(base, { op: 'add', kind: 'hover', lat: 24.595, lon: 118.275, altM: 50, holdS: 90 });
  const GATE = { lat: 24.5952, lon: 118.2753 };
  const roiLoc = (lat: number, lon: number) => ({ ...item.roi(lat, lon, 0), command: MAV_CMD.DO_SET_ROI_LOCATION });
  const roiNone197 = { ...item.roiNone(), command: MAV_CMD.DO_SET_ROI_NONE };
  const withItems = (...items: Mission['items']): Mission => ({ ...base, items });

  it('shows the unit on the rows: camera on, the held place, the release', () => {
    expect(rows(hovered).map((r) => r.unit ?? null)).toEqual([null, null, null, { role: 'start', core: 4 }, { role: 'core', core: 4 }, { role: 'end', core: 4 }, null]);
  });

  it.each([3, 4, 5])('deleting item %i of the unit deletes the three, one undo brings them back', (index) => {
    const r = applyEdit(hovered, { op: 'delete', index });
    expect(cmds(r.mission)).toEqual(['takeoff', 'waypoint', 'waypoint', 'rtl']);
    expect(r.select).toBe(3);
    expect(r.kept).toBeUndefined();
    const h = undo(record(startHistory(hovered), r.mission));
    expect(h.present).toBe(hovered);
    expect(totals(h.present).items).toBe(7);
  });

  it.each<[string, Mission, number, string[], number[] | undefined]>([
    // The day planner's school post: a waypoint beside the gate, camera on the gate, hover there, release.
    ['another tool\'s ROI_LOCATION and ROI_NONE, looking at a gate from beside it', withItems(item.takeoff(HOME.lat, HOME.lon, 30), item.waypoint(24.595, 118.275, 30), roiLoc(GATE.lat, GATE.lon), item.loiterTime(24.595, 118.275, 30, 300), roiNone197, item.rtl()), 3,
      ['takeoff', 'waypoint', 'rtl'], undefined],
    // The camera set before a waypoint and the hover: it also governs the waypoint, so it is not the hover's alone.
    ['a camera item further away is kept, and said', withItems(item.takeoff(HOME.lat, HOME.lon, 30), item.roi(GATE.lat, GATE.lon, 0), item.waypoint(24.598, 118.262, 30), item.loiterTime(24.595, 118.275, 30, 60), item.roiNone(), item.rtl()), 3,
      ['takeoff', 'camera', 'waypoint', 'camera-off', 'rtl'], [3]],
    ['camera on just before, released later: kept, and said', withItems(item.takeoff(HOME.lat, HOME.lon, 30), item.roi(GATE.lat, GATE.lon, 0), item.loiterTime(24.595, 118.275, 30, 60), item.waypoint(24.598, 118.262, 30), item.roiNone(), item.rtl()), 2,
      ['takeoff', 'camera', 'waypoint', 'camera-off', 'rtl'], [1]],
    ['a hover without camera items', withItems(item.takeoff(HOME.lat, HOME.lon, 30), item.loiterTime(24.595, 118.275, 30, 60), item.rtl()), 1, ['takeoff', 'rtl'], undefined],
    // Only the camera item's own unit goes: a release that is not after a held place is an item of its own.
    ['a lone release', withItems(item.takeoff(HOME.lat, HOME.lon, 30), item.roiNone(), item.rtl()), 1, ['takeoff', 'rtl'], undefined],
  ])('in a file: %s', (_what, m, index, kinds, kept) => {
    const r = applyEdit(m, { op: 'delete', index });
    expect(cmds(r.mission)).toEqual(kinds);
    expect(r.kept).toEqual(kept);
  });

  it.each<[string, Mission, EditOp, string[], number]>([
    ['a unit moves up past a waypoint, whole', hovered, { op: 'move', index: 4, by: -1 }, ['takeoff', 'waypoint', 'camera', 'hover', 'camera-off', 'waypoint', 'rtl'], 3],
    ['moving its camera item moves the unit', hovered, { op: 'move', index: 3, by: -1 }, ['takeoff', 'waypoint', 'camera', 'hover', 'camera-off', 'waypoint', 'rtl'], 2],
    ['a unit moves down past the return', hovered, { op: 'move', index: 5, by: 1 }, ['takeoff', 'waypoint', 'waypoint', 'rtl', 'camera', 'hover', 'camera-off'], 6],
    ['a waypoint moves down past a unit, not into it', hovered, { op: 'move', index: 2, by: 1 }, ['takeoff', 'waypoint', 'camera', 'hover', 'camera-off', 'waypoint', 'rtl'], 5],
    ['a waypoint added after the hover goes after its release', hovered, { op: 'add', kind: 'waypoint', lat: 24.6, lon: 118.28, altM: 50, after: 4 }, ['takeoff', 'waypoint', 'waypoint', 'camera', 'hover', 'camera-off', 'waypoint', 'rtl'], 6],
    ['a hover added after a camera item goes after the unit', hovered, { op: 'add', kind: 'hover', lat: 24.6, lon: 118.28, altM: 50, after: 3 }, ['takeoff', 'waypoint', 'waypoint', 'camera', 'hover', 'camera-off', 'camera', 'hover', 'camera-off', 'rtl'], 7],
    ['a return added after the hover goes after its release', hovered, { op: 'add-end', kind: 'rtl', after: 4 }, ['takeoff', 'waypoint', 'waypoint', 'camera', 'hover', 'camera-off', 'rtl', 'rtl'], 6],
    ['insert between the hover and a waypoint: after the release', edit(hovered, { op: 'add', kind: 'waypoint', lat: 24.6, lon: 118.28, altM: 50 }), { op: 'insert-between', index: 4 },
      ['takeoff', 'waypoint', 'waypoint', 'camera', 'hover', 'camera-off', 'waypoint', 'waypoint', 'rtl'], 6],
    ['insert between a waypoint and the hover: before the camera item', hovered, { op: 'insert-between', index: 2 }, ['takeoff', 'waypoint', 'waypoint', 'waypoint', 'camera', 'hover', 'camera-off', 'rtl'], 3],
  ])('%s', (_what, m, op, kinds, select) => {
    const r = applyEdit(m, op);
    expect(r.refused).toBeUndefined();
    expect(cmds(r.mission)).toEqual(kinds);
    expect(r.select).toBe(select);
    expect(hoverUnits(r.mission.items).length).toBe(hoverUnits(m.items).length + (op.op === 'add' && op.kind === 'hover' ? 1 : 0));
  });

  it('refuses to move a unit past either end', () => {
    const first = withItems(item.roi(GATE.lat, GATE.lon, 0), item.loiterTime(24.595, 118.275, 30, 60), item.roiNone(), item.rtl());
    expect(applyEdit(first, { op: 'move', index: 2, by: -1 }).refused).toBeTruthy();
    expect(applyEdit(hovered, { op: 'move', index: 6, by: 1 }).refused).toBeTruthy();
  });

  it('dragging the hover takes its camera point along when it looked at its own place, not when it looked elsewhere', () => {
    const moved = edit(hovered, { op: 'set', index: 4, lat: 24.596, lon: 118.276 }).items;
    expect(moved[3]!.params.slice(4, 6)).toEqual([24.596, 118.276]);
    expect(moved[4]!.params.slice(4, 6)).toEqual([24.596, 118.276]);
    const gate = withItems(item.takeoff(HOME.lat, HOME.lon, 30), roiLoc(GATE.lat, GATE.lon), item.loiterTime(24.595, 118.275, 30, 300), roiNone197, item.rtl());
    const g = edit(gate, { op: 'set', index: 2, lat: 24.596, lon: 118.276 }).items;
    expect(g[1]!.params.slice(4, 6)).toEqual([GATE.lat, GATE.lon]);
    // The camera point alone moves alone.
    const cam = edit(hovered, { op: 'set', index: 3, lat: 24.5961, lon: 118.2761 }).items;
    expect(cam[4]!.params.slice(4, 6)).toEqual([24.595, 118.275]);
  });

  it('the summary counts and the upload agree after a delete and its undo', () => {
    const del = edit(hovered, { op: 'delete', index: 4 });
    expect(totals(del).items).toBe(del.items.length);
    expect(writeMission('plan', 'x', del).text).toBe(writeMission('plan', 'x', base).text);
  });
});

describe('plan-edit: the route estimate and the checks', () => {
  // Distances of the sample loop: home → A (north) 889.56 m, A → B (east) 808.83 m, B → home 1202.32 m.
  const HA = 889.56;
  const AB = 808.83;
  const BH = 1202.32;
  const low = (alt: number): Mission => ({ ...base, items: [item.takeoff(HOME.lat, HOME.lon, alt), item.waypoint(24.598, 118.262, alt), item.waypoint(24.598, 118.27, alt), item.rtl()] });
  it.each<[string, Mission, Partial<CopterReturnParams>, number, { returnAltM: number; from: 'rtl' | 'implied' } | null]>([
    // Take-off 60 m at WPNAV_SPEED_UP 2.5 m/s = 24 s; legs at WPNAV_SPEED 10 m/s; RTL above RTL_ALT: no climb,
    // home at 10 m/s, RTL_LOIT_TIME 5 s, land 60 m: 50 m at WPNAV_SPEED_DN 1.5 + 10 m at LAND_SPEED 0.5 = 53.33 s.
    ['the loop at 60 m, ArduCopter defaults', base, {}, 24 + (HA + AB + BH) / 10 + 5 + 50 / 1.5 + 20, { returnAltM: 60, from: 'rtl' }],
    // At 8 m: take-off 3.2 s; RTL climbs to RTL_ALT 15 m first (7 m at 2.5 = 2.8 s) and lands from 15 m (5/1.5 + 20).
    ['the loop at 8 m: RTL climbs to RTL_ALT', low(8), {}, 3.2 + (HA + AB) / 10 + 2.8 + BH / 10 + 5 + 5 / 1.5 + 20, { returnAltM: 15, from: 'rtl' }],
    // The drone's RTL_ALT 80 m, RTL_SPEED 8 m/s: climb 20 m = 8 s, home at 8 m/s, land 70/1.5 + 20.
    ['the drone\'s RTL_ALT 80 m, RTL_SPEED 8 m/s', base, { rtlAltM: 80, rtlSpeedMps: 8 }, 24 + (HA + AB) / 10 + 8 + BH / 8 + 5 + 70 / 1.5 + 20, { returnAltM: 80, from: 'rtl' }],
    // Ends with a landing at home: flies there at 60 m and lands (no RTL climb or loiter).
    ['a landing at home instead of the return', { ...base, items: [...base.items.slice(0, 3), item.land(HOME.lat, HOME.lon)] }, {}, 24 + (HA + AB + BH) / 10 + 50 / 1.5 + 20, null],
    // Ends in the air: ArduCopter holds there; the way home is charged as an RTL.
    ['no return: the way home is charged as RTL', { ...base, items: base.items.slice(0, 3) }, {}, 24 + (HA + AB + BH) / 10 + 5 + 50 / 1.5 + 20, { returnAltM: 60, from: 'implied' }],
    // A DO_CHANGE_SPEED 5 m/s before the legs: they take twice as long; the return is at WPNAV_SPEED still.
    ['a speed change applies to the legs, not to RTL', { ...base, items: [base.items[0]!, item.speed(5), ...base.items.slice(1)] }, {}, 24 + (HA + AB) / 5 + BH / 10 + 5 + 50 / 1.5 + 20, { returnAltM: 60, from: 'rtl' }],
  ])('times %s', (_what, m, o, flightS, ret) => {
    const e = estimateRoute(m, { ...COPTER_DEFAULTS, ...o });
    expect(e.flightS).toBeCloseTo(flightS, 1);
    expect(e.routeM).toBeCloseTo(HA + AB + BH, 0);
    if (ret) expect(e.ret).toMatchObject(ret);
    else expect(e.ret).toBeNull();
  });

  it('times the holds and lists every item', () => {
    const e = estimateRoute(base);
    expect(e.legs.map((l) => l.index)).toEqual([0, 1, 2, 3]);
    const held = estimateRoute(edit(base, { op: 'set', index: 1, holdS: 30 }));
    expect(held.flightS - e.flightS).toBeCloseTo(30, 6);
    expect(held.holdS).toBe(30);
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
