/**
 * The planner's editing, pure: a Mission and an edit → a new Mission (never mutated), the rows the list and
 * the map show, the route's length and flight time, the checks of each item, and a bounded undo history.
 *
 * One numbering: an item's number is its MAVLink sequence number — home (the launch dock) is 0 and shown as
 * H, the first item is 1 — the number the drone reports as its current item, used on the list, on the map's
 * markers and in KML. The item count is the items 1…N, home not counted: a mission of takeoff, five
 * waypoints and a return is "7 项" in the summary and at upload (where the station sends 8 wire items, home
 * included; the console says so).
 *
 * A hover with the camera on a point is one unit of three items: the camera pointed at a place (DO_SET_ROI /
 * DO_SET_ROI_LOCATION with a place), the held place (NAV_LOITER_TIME, or a waypoint or loiter), the camera
 * released (DO_SET_ROI_NONE, or an ROI without a place). In a file from another tool the unit is recognised
 * only in that exact order, the three items next to each other: only then are the camera items provably this
 * hover's alone (a camera item further away also governs the items between, so it is kept and the pilot told).
 * Delete, move, insert after and drag treat a unit as one: deleting any of its items deletes the three (one
 * undo step restores them); a move jumps whole units; nothing is inserted inside one; dragging the hover moves
 * the camera point with it when it looked at the hover's own place.
 *
 * Time of the route (the battery check): as ArduCopter flies it (missions/plan/copter-return.ts, the drone's
 * parameters or the documented defaults): climbs at WPNAV_SPEED_UP and descents at WPNAV_SPEED_DN, legs at the
 * mission's cruise speed (or the last DO_CHANGE_SPEED), each leg as long as the slower of its horizontal and
 * vertical parts, plus every hold; a NAV_LAND descends at the landing speeds; a return (and a mission that
 * ends without one, charged the way home) is RTL: the climb to RTL_ALT, home at RTL_SPEED, RTL_LOIT_TIME over
 * home, descent and landing. The battery a drone may use is the day planner's: its endurance less the
 * fleet's reserve (missions/fleet.ts usableFlightS).
 */
import { groundDistanceM } from '../../common/geo.js';
import { MAV_CMD } from '../../common/mav-cmd.js';
import { item, type Mission, type MissionItem, type Params7 } from '../../missions/formats/items.js';
import { missionFromKml, missionToKml } from '../../missions/formats/kml.js';
import { fromPlan, toPlan, type ReadResult } from '../../missions/formats/qgc-plan.js';
import { err } from '../../common/result.js';
import { fromWaypoints, toWaypoints } from '../../missions/formats/wpl.js';
import type { FlightIssue } from '../../missions/plan/flight-check.js';
import { COPTER_DEFAULTS, landS, rtlLeg, verticalS, type CopterReturnParams, type ReturnLeg } from '../../missions/plan/copter-return.js';

export type ItemKind = 'takeoff' | 'waypoint' | 'hover' | 'loiter' | 'camera' | 'camera-off' | 'rtl' | 'land' | 'speed' | 'video-start' | 'video-stop' | 'other';

const ROI = new Set<number>([MAV_CMD.DO_SET_ROI, MAV_CMD.DO_SET_ROI_LOCATION]);
export const hasPlace = (it: MissionItem): boolean =>
  Number.isFinite(it.params[4]) && Number.isFinite(it.params[5]) && !(it.params[4] === 0 && it.params[5] === 0);

/** What an item is, in the planner's words (the console names each kind; `other` shows its MAV_CMD number). */
export function kindOf(it: MissionItem): ItemKind {
  switch (it.command) {
    case MAV_CMD.NAV_TAKEOFF: return 'takeoff';
    case MAV_CMD.NAV_WAYPOINT: return 'waypoint';
    case MAV_CMD.NAV_LOITER_TIME: return 'hover';
    case MAV_CMD.NAV_LOITER_UNLIM:
    case MAV_CMD.NAV_LOITER_TURNS: return 'loiter';
    case MAV_CMD.NAV_RETURN_TO_LAUNCH: return 'rtl';
    case MAV_CMD.NAV_LAND: return 'land';
    case MAV_CMD.DO_CHANGE_SPEED: return 'speed';
    case MAV_CMD.DO_SET_ROI_NONE: return 'camera-off';
    case MAV_CMD.VIDEO_START_CAPTURE: return 'video-start';
    case MAV_CMD.VIDEO_STOP_CAPTURE: return 'video-stop';
    default: return ROI.has(it.command) ? (hasPlace(it) ? 'camera' : 'camera-off') : 'other';
  }
}

/** Kinds whose altitude (p7, metres above home) the pilot sets; kinds that hold (p1, seconds). */
const ALT_KINDS = new Set<ItemKind>(['takeoff', 'waypoint', 'hover', 'loiter']);
const HOLD_KINDS = new Set<ItemKind>(['waypoint', 'hover']);
/** Kinds the drone flies to (a place on the route). */
const FLOWN = new Set<ItemKind>(['takeoff', 'waypoint', 'hover', 'loiter', 'land']);

/** A hover with its camera items (indices): camera on `start`, the held place `core`, camera released `end`. */
export interface HoverUnit { start: number; core: number; end: number }

/** The places a unit may hold the camera on: a hover, a waypoint or a loiter. */
const UNIT_CORES = new Set<ItemKind>(['hover', 'waypoint', 'loiter']);

/** The hover units of a list of items (see the header: the three items next to each other, in that order). */
export function hoverUnits(items: readonly MissionItem[]): HoverUnit[] {
  const out: HoverUnit[] = [];
  for (let i = 1; i + 1 < items.length; i++) {
    if (UNIT_CORES.has(kindOf(items[i]!)) && kindOf(items[i - 1]!) === 'camera' && kindOf(items[i + 1]!) === 'camera-off') {
      out.push({ start: i - 1, core: i, end: i + 1 });
      i++;
    }
  }
  return out;
}

/** The block item `i` belongs to: its hover unit, or the item alone. */
export function blockAt(items: readonly MissionItem[], i: number, units: readonly HoverUnit[] = hoverUnits(items)): { start: number; end: number; unit?: HoverUnit } {
  const u = units.find((x) => i >= x.start && i <= x.end);
  return u ? { start: u.start, end: u.end, unit: u } : { start: i, end: i };
}

export interface Row {
  /** The item's number: its MAVLink sequence number (home is 0). */
  seq: number;
  /** Its index in `mission.items` (seq − 1). */
  index: number;
  kind: ItemKind;
  command: number;
  /** Where it is (flown to, or looked at for a camera point). */
  at?: { lat: number; lon: number };
  altM?: number;
  holdS?: number;
  /** The speed a DO_CHANGE_SPEED sets (m/s). */
  speedMps?: number;
  /** Part of a hover unit: its camera item before (`start`), the held place (`core`), or the release after (`end`); `core` is the held place's index. */
  unit?: { role: 'start' | 'core' | 'end'; core: number };
}

export function rows(m: Mission): Row[] {
  const units = hoverUnits(m.items);
  return m.items.map((it, index) => {
    const kind = kindOf(it);
    const r: Row = { seq: index + 1, index, kind, command: it.command };
    if (hasPlace(it) && kind !== 'rtl') r.at = { lat: it.params[4], lon: it.params[5] };
    if (ALT_KINDS.has(kind)) r.altM = it.params[6];
    if (HOLD_KINDS.has(kind)) r.holdS = Number.isFinite(it.params[0]) ? it.params[0] : 0;
    if (kind === 'speed') r.speedMps = it.params[1];
    const u = units.find((x) => index >= x.start && index <= x.end);
    if (u) r.unit = { role: index === u.start ? 'start' : index === u.core ? 'core' : 'end', core: u.core };
    return r;
  });
}

export const editsAltitude = (k: ItemKind): boolean => ALT_KINDS.has(k);
export const editsHold = (k: ItemKind): boolean => HOLD_KINDS.has(k);
export const isFlown = (k: ItemKind): boolean => FLOWN.has(k);

export type EditOp =
  /** A waypoint, or a hover with the camera on its point (camera on, hover, camera released), after item `after` (an index; absent: at the end, before a final return or landing). */
  | { op: 'add'; kind: 'waypoint' | 'hover'; lat: number; lon: number; altM: number; holdS?: number; after?: number }
  /** A return to launch or a landing at the end (or after `after`). */
  | { op: 'add-end'; kind: 'rtl' | 'land'; after?: number }
  /** A waypoint halfway between flown item `index` and the next flown item. */
  | { op: 'insert-between'; index: number }
  | { op: 'delete'; index: number }
  | { op: 'move'; index: number; by: -1 | 1 }
  | { op: 'set'; index: number; altM?: number; holdS?: number; lat?: number; lon?: number }
  /** A new mission from a dock: home there and a take-off to `altM`. */
  | { op: 'new'; lat: number; lon: number; altM: number };

export interface Edited {
  mission: Mission;
  /** The item to select after the edit (an index), or null. */
  select: number | null;
  /** Why nothing changed (a bad value, an index out of range), English; undefined when the edit applied. */
  refused?: string;
  /**
   * A hover deleted without its camera items because they are not provably its own (not right next to it in
   * the unit's order): their indices in the new mission, for the console to tell the pilot.
   */
  kept?: number[];
}

export const MAX_ITEMS = 700;
export const MAX_HOLD_S = 3600;
export const DEFAULT_HOVER_S = 60;
const r7 = (v: number) => Math.round(v * 1e7) / 1e7;
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const placeOk = (lat: unknown, lon: unknown) => finite(lat) && finite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180;

/** Where an append goes: before a final return or landing, so the route still ends by going home. */
function endIndex(items: readonly MissionItem[]): number {
  const last = items[items.length - 1];
  return last && (last.command === MAV_CMD.NAV_RETURN_TO_LAUNCH || last.command === MAV_CMD.NAV_LAND) ? items.length - 1 : items.length;
}

/** Two items at the same place (to 1e-7°, the files' precision). */
const samePlace = (a: MissionItem, b: MissionItem) => Math.abs(a.params[4] - b.params[4]) < 1.5e-7 && Math.abs(a.params[5] - b.params[5]) < 1.5e-7;

function withParams(it: MissionItem, f: (p: Params7) => void): MissionItem {
  const params = [...it.params] as Params7;
  f(params);
  return { ...it, params };
}

export function applyEdit(m: Mission, e: EditOp): Edited {
  const no = (refused: string): Edited => ({ mission: m, select: null, refused });
  const items = m.items.slice();
  const inRange = (i: number) => Number.isInteger(i) && i >= 0 && i < items.length;
  const units = hoverUnits(m.items);
  const block = (i: number) => blockAt(m.items, i, units);
  /** Where an insertion "after item i" goes: after the whole unit when i is inside one. */
  const after = (i: number) => block(i).end + 1;
  switch (e.op) {
    case 'new': {
      if (!placeOk(e.lat, e.lon) || !finite(e.altM)) return no('bad place or altitude');
      const lat = r7(e.lat);
      const lon = r7(e.lon);
      return { mission: { home: { lat, lon, altM: 0 }, items: [item.takeoff(lat, lon, e.altM)], cruiseMps: m.cruiseMps, hoverMps: m.hoverMps }, select: 0 };
    }
    case 'add': {
      if (!placeOk(e.lat, e.lon)) return no('not a place');
      if (!finite(e.altM)) return no('altitude is not a number');
      if (e.after !== undefined && !inRange(e.after)) return no(`no item ${e.after + 1}`);
      const at = e.after !== undefined ? after(e.after) : endIndex(items);
      const lat = r7(e.lat);
      const lon = r7(e.lon);
      const add = e.kind === 'waypoint'
        ? [item.waypoint(lat, lon, e.altM, e.holdS ?? 0)]
        : [item.roi(lat, lon, 0), item.loiterTime(lat, lon, e.altM, e.holdS ?? DEFAULT_HOVER_S), item.roiNone()];
      if (items.length + add.length > MAX_ITEMS) return no(`a mission holds at most ${MAX_ITEMS} items`);
      items.splice(at, 0, ...add);
      return { mission: { ...m, items }, select: e.kind === 'waypoint' ? at : at + 1 };
    }
    case 'add-end': {
      if (e.after !== undefined && !inRange(e.after)) return no(`no item ${e.after + 1}`);
      if (items.length + 1 > MAX_ITEMS) return no(`a mission holds at most ${MAX_ITEMS} items`);
      const at = e.after !== undefined ? after(e.after) : items.length;
      items.splice(at, 0, e.kind === 'rtl' ? item.rtl() : item.land(m.home.lat, m.home.lon));
      return { mission: { ...m, items }, select: at };
    }
    case 'insert-between': {
      if (!inRange(e.index)) return no(`no item ${e.index + 1}`);
      const a = items[e.index]!;
      if (!hasPlace(a) || !isFlown(kindOf(a))) return no(`item ${e.index + 1} is not a place on the route`);
      let j = e.index + 1;
      while (j < items.length && !(hasPlace(items[j]!) && isFlown(kindOf(items[j]!)))) j++;
      const b = items[j];
      if (!b) return no(`no place on the route after item ${e.index + 1}`);
      if (items.length + 1 > MAX_ITEMS) return no(`a mission holds at most ${MAX_ITEMS} items`);
      const alt = kindOf(b) === 'land' ? a.params[6] : (a.params[6] + b.params[6]) / 2;
      // Right after the first of the two (after its camera release when it is a hover): any DO items before the
      // second still run just before reaching it.
      const at = after(e.index);
      items.splice(at, 0, item.waypoint(r7((a.params[4] + b.params[4]) / 2), r7((a.params[5] + b.params[5]) / 2), alt));
      return { mission: { ...m, items }, select: at };
    }
    case 'delete': {
      if (!inRange(e.index)) return no(`no item ${e.index + 1}`);
      const b = block(e.index);
      items.splice(b.start, b.end - b.start + 1);
      const select = items.length ? Math.min(b.start, items.length - 1) : null;
      // A hover alone whose neighbour is a camera item: that item also governs other items, so it stays; say so.
      if (!b.unit && kindOf(m.items[e.index]!) === 'hover') {
        const kept = [e.index - 1, e.index].filter((i) => {
          const k = items[i] && kindOf(items[i]!);
          return i === e.index - 1 ? k === 'camera' : k === 'camera-off';
        });
        if (kept.length) return { mission: { ...m, items }, select, kept };
      }
      return { mission: { ...m, items }, select };
    }
    case 'move': {
      if (!inRange(e.index)) return no(`no item ${e.index + 1}`);
      // Blocks (a hover unit, or one item) trade places with the neighbouring block.
      const b = block(e.index);
      const n = e.by < 0 ? (b.start > 0 ? block(b.start - 1) : null) : b.end + 1 < items.length ? block(b.end + 1) : null;
      if (!n) return no('cannot move past either end');
      const [first, second] = e.by < 0 ? [b, n] : [n, b];
      const lo = Math.min(b.start, n.start);
      const moved = [...m.items.slice(first.start, first.end + 1), ...m.items.slice(second.start, second.end + 1)];
      items.splice(lo, moved.length, ...moved);
      const shift = e.by < 0 ? -(n.end - n.start + 1) : n.end - n.start + 1;
      return { mission: { ...m, items }, select: e.index + shift };
    }
    case 'set': {
      if (!inRange(e.index)) return no(`no item ${e.index + 1}`);
      const it = items[e.index]!;
      const kind = kindOf(it);
      if (e.altM !== undefined && (!editsAltitude(kind) || !finite(e.altM) || e.altM < 0 || e.altM > 10_000)) return no('altitude must be a number of metres');
      if (e.holdS !== undefined && (!editsHold(kind) || !finite(e.holdS) || e.holdS < 0 || e.holdS > MAX_HOLD_S)) return no(`hold must be 0–${MAX_HOLD_S} s`);
      if ((e.lat !== undefined || e.lon !== undefined) && (!placeOk(e.lat ?? it.params[4], e.lon ?? it.params[5]) || kind === 'rtl')) return no('not a place');
      items[e.index] = withParams(it, (p) => {
        if (e.altM !== undefined) p[6] = e.altM;
        if (e.holdS !== undefined) p[0] = e.holdS;
        if (e.lat !== undefined) p[4] = r7(e.lat);
        if (e.lon !== undefined) p[5] = r7(e.lon);
      });
      // A hover moved with the camera on its own place: the camera point goes with it (one that looked
      // elsewhere — a school gate seen from beside it — stays where the pilot aimed it).
      const u = block(e.index).unit;
      if (u && u.core === e.index && (e.lat !== undefined || e.lon !== undefined)) {
        const cam = m.items[u.start]!;
        if (samePlace(cam, it)) items[u.start] = withParams(cam, (p) => {
          p[4] = items[e.index]!.params[4];
          p[5] = items[e.index]!.params[5];
        });
      }
      return { mission: { ...m, items }, select: e.index };
    }
  }
}

export interface LegTime {
  index: number;
  /** Seconds from take-off to the end of this item (its hold included). */
  doneS: number;
  /** Metres flown from home to this item. */
  doneM: number;
}

export interface RouteEstimate {
  legs: LegTime[];
  /** Ground distance of the whole flight, the way home included (m). */
  routeM: number;
  /** Take-off to landing (s), the way home included; Infinity when an item loiters without end. */
  flightS: number;
  /** Sum of the holds (s). */
  holdS: number;
  /** Index of an item that never ends (loiter unlimited), or null. */
  endless: number | null;
  /**
   * The return as RTL flies it: from the mission's return item (`rtl`), or charged after a mission that ends
   * in the air (`implied`: ArduCopter holds there; someone brings it home); null when the mission lands itself.
   */
  ret: (ReturnLeg & { from: 'rtl' | 'implied' }) | null;
  /** The parameters it was timed with. */
  params: CopterReturnParams;
}

/** The route's length and time, item by item, as ArduCopter flies it (see the header for the model). */
export function estimateRoute(m: Mission, params: CopterReturnParams = COPTER_DEFAULTS): RouteEstimate {
  // AUTO flies at WPNAV_SPEED until a DO_CHANGE_SPEED (the .plan's cruiseSpeed is not sent to the drone).
  let cruise = params.wpnavSpeedMps;
  const home = { latDeg: m.home.lat, lonDeg: m.home.lon };
  let pos = home;
  let alt = 0;
  let t = 0;
  let d = 0;
  let hold = 0;
  let endless: number | null = null;
  let landed = false;
  let ret: RouteEstimate['ret'] = null;
  const legs: LegTime[] = [];
  const fly = (to: { latDeg: number; lonDeg: number }, toAlt: number) => {
    const h = groundDistanceM(pos, to);
    t += Math.max(h / cruise, verticalS(toAlt - alt, params));
    d += h;
    pos = to;
    alt = toAlt;
  };
  const rtl = (from: 'rtl' | 'implied') => {
    const leg = rtlLeg(alt, groundDistanceM(pos, home), params);
    t += leg.totalS;
    d += leg.homeM;
    pos = home;
    alt = 0;
    ret = { ...leg, from };
  };
  m.items.forEach((it, index) => {
    if (landed) return legs.push({ index, doneS: t, doneM: d });
    const k = kindOf(it);
    const p = it.params;
    const place = hasPlace(it) ? { latDeg: p[4], lonDeg: p[5] } : pos;
    if (k === 'takeoff') fly(pos, finite(p[6]) ? p[6] : 0);
    else if (k === 'waypoint' || k === 'hover' || k === 'loiter') {
      fly(place, finite(p[6]) ? p[6] : alt);
      const h = k === 'loiter' ? (it.command === MAV_CMD.NAV_LOITER_TURNS ? (Math.abs(p[0]) * 2 * Math.PI * Math.max(Math.abs(p[2]) || 0, 10)) / cruise : Infinity) : finite(p[0]) ? Math.max(0, p[0]) : 0;
      if (h === Infinity) endless ??= index;
      else {
        t += h;
        hold += h;
      }
    } else if (k === 'land') {
      fly(place, alt);
      t += landS(alt, params);
      alt = 0;
      landed = true;
    } else if (k === 'rtl') {
      rtl('rtl');
      landed = true;
    } else if (k === 'speed' && finite(p[1]) && p[1] > 0) cruise = p[1];
    legs.push({ index, doneS: t, doneM: d });
  });
  if (!landed && (alt > 0 || groundDistanceM(pos, home) > 1)) rtl('implied');
  return { legs, routeM: d, flightS: endless === null ? t : Infinity, holdS: hold, endless, ret, params };
}

/** A planner check on one item (index −1: home), to be worded by the console. */
export type ItemCheck =
  | { index: number; code: 'flight'; issue: FlightIssue }
  | { index: number; code: 'battery'; needS: number; usableS: number }
  | { index: number; code: 'endless' };

/**
 * The flight check's issues (missions/plan/flight-check.ts, as the gateway runs it on the wire list: seq 0
 * home, items 1…N) on the item they are about; a leg's issue on the item it leads to.
 */
export function issuesByItem(issues: readonly FlightIssue[]): ItemCheck[] {
  return issues.map((issue) => {
    const all = [...issue.what.matchAll(/item (\d+)/g)];
    const seq = all.length ? Number(all[all.length - 1]![1]) : 0;
    return { index: seq - 1, code: 'flight', issue };
  });
}

/**
 * Enough battery for the route with the reserve: the first item the drone would reach after its usable
 * time is the one flagged (the last item when only the way home is too long).
 */
export function batteryChecks(est: RouteEstimate, usableS: number | undefined, itemCount: number): ItemCheck[] {
  if (est.endless !== null) return [{ index: est.endless, code: 'endless' }];
  if (usableS === undefined || !(est.flightS > usableS)) return [];
  const first = est.legs.find((l) => l.doneS > usableS);
  return [{ index: first?.index ?? itemCount - 1, code: 'battery', needS: est.flightS, usableS }];
}

export interface Totals {
  /** Items 1…N (home not counted). */
  items: number;
  /** Places flown to (take-off, waypoints, hovers, loiters, landing). */
  places: number;
  routeM: number;
  flightS: number;
  holdS: number;
}

export function totals(m: Mission, est: RouteEstimate = estimateRoute(m)): Totals {
  return {
    items: m.items.length,
    places: m.items.filter((it) => isFlown(kindOf(it))).length,
    routeM: est.routeM,
    flightS: est.flightS,
    holdS: est.holdS,
  };
}

/** Undo and redo, bounded: the oldest state is forgotten past `HISTORY_LIMIT` edits. */
export interface History { past: Mission[]; present: Mission; future: Mission[] }
export const HISTORY_LIMIT = 100;

export const startHistory = (m: Mission): History => ({ past: [], present: m, future: [] });

export function record(h: History, m: Mission): History {
  if (m === h.present) return h;
  const past = [...h.past, h.present];
  return { past: past.length > HISTORY_LIMIT ? past.slice(past.length - HISTORY_LIMIT) : past, present: m, future: [] };
}

export function undo(h: History): History {
  const prev = h.past[h.past.length - 1];
  return prev ? { past: h.past.slice(0, -1), present: prev, future: [h.present, ...h.future] } : h;
}

export function redo(h: History): History {
  const [next, ...rest] = h.future;
  return next ? { past: [...h.past, h.present], present: next, future: rest } : h;
}

/** The largest mission file the planner opens (bytes). */
export const MAX_FILE_BYTES = 5_000_000;

export type FileKind = 'plan' | 'waypoints' | 'kml';

/** A mission file's text → Mission, by name or content: `.waypoints` (QGC WPL 110), `.kml`, else `.plan` JSON. */
export function readMission(name: string, text: string): ReadResult<Mission> {
  if (text.length > MAX_FILE_BYTES) return err('invalid-input', `larger than ${MAX_FILE_BYTES} bytes`);
  if (/\.(waypoints|txt)$/i.test(name) || /^\s*QGC WPL/.test(text)) {
    const w = fromWaypoints(text);
    return w.ok ? { ok: true, value: { ...w.value, cruiseMps: 10, hoverMps: 5 } } : w;
  }
  if (/\.kml$/i.test(name) || /^\s*(<\?xml[^>]*>\s*)?<kml[\s>]/i.test(text)) return missionFromKml(text);
  try {
    return fromPlan(JSON.parse(text));
  } catch (e) {
    return err('invalid-input', (e as Error).message);
  }
}

/** A mission as a file of that kind: its name (from `base`), text and MIME type. */
export function writeMission(kind: FileKind, base: string, m: Mission): { name: string; text: string; type: string } {
  if (kind === 'waypoints') return { name: `${base}.waypoints`, text: toWaypoints(m.home, m.items), type: 'text/plain' };
  if (kind === 'kml') return { name: `${base}.kml`, text: missionToKml(base, m), type: 'application/vnd.google-earth.kml+xml' };
  return { name: `${base}.plan`, text: JSON.stringify(toPlan(m), null, 2), type: 'application/json' };
}
