/**
 * Is a flight sane for this jurisdiction? The one geometric check the command gateway (station/gateway/) runs
 * before anything is sent and the console runs before it offers to send: a go-to, an orbit, a take-off, or the
 * positions of a mission, fence or rally upload must be inside the jurisdiction's boundary, outside every
 * no-fly zone by the planner's margin, and no higher than the boundary's `max_altitude_m` (120 m by default).
 *
 * The margins are the planner's (missions/plan/world.ts DEFAULT_OPTIONS: 30 m round a no-fly zone, up to 50 m
 * outside the boundary), measured with the planner's airspace (exact point/segment–polygon distances in the
 * local metric frame), so every route the planner writes passes and a click 10 m outside the 变电站 does not.
 *
 * Pure: no Node, no DOM. Each issue carries an English reason and the values the console needs to word it in
 * its own language (code, zone name, metres).
 */
import { MAV_CMD } from '../../common/mav-cmd.js';
import { Airspace } from '../geo/airspace.js';
import { localFrame, ringCentre, type LocalFrame } from '../geo/frame.js';
import { dist, pointInRing, pointSegDist, type P } from '../geo/vec.js';
import { parseJurisdiction, type Jurisdiction, type NoFly } from '../jurisdiction.js';
import { DEFAULT_OPTIONS } from './world.js';

export type FlightIssueCode = 'bad-number' | 'outside-boundary' | 'no-fly' | 'too-high' | 'too-low';

export interface FlightIssue {
  code: FlightIssueCode;
  /** English, complete: "go-to point is inside no-fly zone 变电站 substation (critical infrastructure, + 30 m margin)". */
  reason: string;
  /** What was checked: "go-to point", "orbit", "take-off", "mission item 3", "fence vertex 2", "mission leg 4→5". */
  what: string;
  /** The no-fly zone (no-fly). */
  zone?: { id: string; name: string; reason: string };
  /** The limit broken, metres (altitude limit, margin). */
  limitM?: number;
  /** The value that broke it, metres. */
  valueM?: number;
}

export interface FlightPoint {
  latDeg: number;
  lonDeg: number;
  /** Altitude above home (relative frame), when the item has one. */
  altRelM?: number;
  /** What this point is, for the reason: "mission item 3". */
  what: string;
}

export interface FlightRulesOptions {
  noFlyMarginM: number;
  boundaryMarginM: number;
}

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

export class FlightRules {
  readonly maxAltitudeM: number;
  readonly noFlyMarginM: number;
  readonly boundaryMarginM: number;
  private readonly frame: LocalFrame;
  private readonly airspace: Airspace;
  private readonly boundary: P[];
  private readonly zones: Map<string, NoFly>;

  constructor(readonly jurisdiction: Jurisdiction, o: Partial<FlightRulesOptions> = {}) {
    this.noFlyMarginM = o.noFlyMarginM ?? DEFAULT_OPTIONS.noFlyMarginM;
    this.boundaryMarginM = o.boundaryMarginM ?? DEFAULT_OPTIONS.boundaryMarginM;
    this.maxAltitudeM = jurisdiction.boundary.maxAltitudeM;
    this.frame = localFrame(ringCentre(jurisdiction.boundary.ring));
    const xy = (r: [number, number][]) => r.map((p) => this.frame.toXY(p));
    this.boundary = xy(jurisdiction.boundary.ring);
    this.zones = new Map(jurisdiction.noFly.map((z) => [z.id, z]));
    this.airspace = new Airspace(
      jurisdiction.noFly.map((z) => ({ id: z.id, ring: xy(z.outer), marginM: this.noFlyMarginM })),
      this.boundary,
      this.boundaryMarginM,
    );
  }

  /** The rules of a station's GeoJSON (as the console receives it in `hello.geography`); undefined when it does not parse. */
  static fromGeoJson(geojson: unknown, o: Partial<FlightRulesOptions> = {}): FlightRules | undefined {
    const j = parseJurisdiction(geojson, 'station');
    return j.ok ? new FlightRules(j.value, o) : undefined;
  }

  private zoneOf(id: string): FlightIssue['zone'] {
    const z = this.zones.get(id);
    return { id, name: z?.name ?? id, reason: z?.reason ?? '' };
  }

  private noFlyIssue(what: string, id: string, verb = 'is inside'): FlightIssue {
    const zone = this.zoneOf(id)!;
    return { code: 'no-fly', what, zone, limitM: this.noFlyMarginM, reason: `${what} ${verb} no-fly zone ${zone.name}${zone.reason ? ` (${zone.reason})` : ''} or within its ${this.noFlyMarginM} m margin` };
  }

  private outsideIssue(what: string): FlightIssue {
    return { code: 'outside-boundary', what, limitM: this.boundaryMarginM, reason: `${what} is outside the jurisdiction ${this.jurisdiction.boundary.name} (more than ${this.boundaryMarginM} m beyond its boundary)` };
  }

  /** Altitude above home: above 0 and no higher than the boundary's limit. */
  altitude(altRelM: unknown, what: string, o: { allowZero?: boolean } = {}): FlightIssue[] {
    if (!finite(altRelM)) return [{ code: 'bad-number', what, reason: `${what}: altitude ${JSON.stringify(altRelM) ?? String(altRelM)} is not a number` }];
    if (altRelM > this.maxAltitudeM) return [{ code: 'too-high', what, limitM: this.maxAltitudeM, valueM: altRelM, reason: `${what}: ${altRelM} m is above the station's ${this.maxAltitudeM} m ceiling` }];
    if (altRelM < 0 || (altRelM === 0 && !o.allowZero)) return [{ code: 'too-low', what, valueM: altRelM, reason: `${what}: ${altRelM} m must be above home (more than 0 m)` }];
    return [];
  }

  private coords(latDeg: unknown, lonDeg: unknown, what: string): FlightIssue[] {
    if (!finite(latDeg) || latDeg < -90 || latDeg > 90) return [{ code: 'bad-number', what, reason: `${what}: latitude ${JSON.stringify(latDeg) ?? String(latDeg)} is not a latitude` }];
    if (!finite(lonDeg) || lonDeg < -180 || lonDeg > 180) return [{ code: 'bad-number', what, reason: `${what}: longitude ${JSON.stringify(lonDeg) ?? String(lonDeg)} is not a longitude` }];
    return [];
  }

  /** A point flown to (go-to, a mission item, a rally point). */
  point(latDeg: unknown, lonDeg: unknown, altRelM: unknown, what: string, o: { allowZero?: boolean } = {}): FlightIssue[] {
    const bad = this.coords(latDeg, lonDeg, what);
    if (bad.length) return bad;
    const issues = this.place(latDeg as number, lonDeg as number, what);
    if (altRelM !== undefined) issues.push(...this.altitude(altRelM, what, o));
    return issues;
  }

  private place(latDeg: number, lonDeg: number, what: string): FlightIssue[] {
    const p = this.frame.toXY([lonDeg, latDeg]);
    if (!this.airspace.insideBoundary(p)) return [this.outsideIssue(what)];
    const z = this.airspace.blockerAt(p);
    return z ? [this.noFlyIssue(what, z.id)] : [];
  }

  /** An orbit: the whole circle inside the boundary (plus margin) and clear of every no-fly zone by the margin. */
  orbit(latDeg: unknown, lonDeg: unknown, radiusM: unknown, altRelM: unknown, what = 'orbit'): FlightIssue[] {
    const bad = this.coords(latDeg, lonDeg, `${what} centre`);
    if (bad.length) return bad;
    if (!finite(radiusM) || radiusM === 0 || Math.abs(radiusM) > 1000) return [{ code: 'bad-number', what, reason: `${what}: radius ${JSON.stringify(radiusM) ?? String(radiusM)} must be a number of metres, 0 < |r| ≤ 1000` }];
    const r = Math.abs(radiusM);
    const c = this.frame.toXY([lonDeg as number, latDeg as number]);
    const issues: FlightIssue[] = [];
    const ringDist = (ring: P[]) => Math.min(...ring.map((a, i) => pointSegDist(c, a, ring[(i + 1) % ring.length]!)));
    // How far the circle reaches beyond the boundary: r − d from inside, d + r from outside.
    const d = ringDist(this.boundary);
    if ((pointInRing(c, this.boundary) ? r - d : d + r) > this.boundaryMarginM) issues.push(this.outsideIssue(`${what} (radius ${r} m)`));
    for (const o of this.airspace.obstacles) {
      if (pointInRing(c, o.ring) || ringDist(o.ring) < r + o.marginM - 1e-6) {
        issues.push(this.noFlyIssue(`${what} (radius ${r} m)`, o.id));
        break;
      }
    }
    if (altRelM !== undefined && !(typeof altRelM === 'number' && Number.isNaN(altRelM))) issues.push(...this.altitude(altRelM, what));
    return issues;
  }

  /**
   * A route: every point as `point`, and every leg between consecutive points clear of the no-fly zones (with
   * the margin) and not leaving the boundary (plus margin) — the planner's own leg test.
   */
  path(points: FlightPoint[], what = 'route'): FlightIssue[] {
    const issues: FlightIssue[] = [];
    for (const p of points) issues.push(...this.point(p.latDeg, p.lonDeg, p.altRelM, p.what, { allowZero: true }));
    if (issues.length) return issues;
    for (let i = 1; i < points.length; i++) {
      const a = points[i - 1]!;
      const b = points[i]!;
      const pa = this.frame.toXY([a.lonDeg, a.latDeg]);
      const pb = this.frame.toXY([b.lonDeg, b.latDeg]);
      if (dist(pa, pb) < 0.01 || this.airspace.segmentClear(pa, pb)) continue;
      const leg = `${what} leg ${a.what} → ${b.what}`;
      const z = this.airspace.obstacles.find((o) => !new Airspace([o], undefined).segmentClear(pa, pb));
      issues.push(z ? this.noFlyIssue(leg, z.id, 'crosses') : this.outsideIssue(leg));
    }
    return issues;
  }
}

/** One line for a list of issues (the first, and how many more). */
export function describeIssues(issues: FlightIssue[]): string {
  if (issues.length === 0) return '';
  return issues.length === 1 ? issues[0]!.reason : `${issues[0]!.reason} (and ${issues.length - 1} more)`;
}

/** A mission, fence or rally item as it goes on the wire (MISSION_ITEM_INT: x/y = degrees·1e7 in global frames). */
export interface ListItem { seq: number; command: number; frame: number; x: number; y: number; z: number }

const GLOBAL_FRAMES = new Set([0, 3, 5, 6, 10, 11]);
const RELATIVE_FRAMES = new Set([3, 6]);
/** Navigation commands whose x/y/z is a place the drone flies to. */
const NAV = new Set<number>([
  MAV_CMD.NAV_WAYPOINT, MAV_CMD.NAV_LOITER_UNLIM, MAV_CMD.NAV_LOITER_TURNS, MAV_CMD.NAV_LOITER_TIME,
  MAV_CMD.NAV_LAND, MAV_CMD.NAV_TAKEOFF, MAV_CMD.NAV_LOITER_TO_ALT,
]);
/** MAV_CMD_NAV_FENCE_* (QGC's encoding of polygon vertices and circles). */
const FENCE = new Set<number>([
  MAV_CMD.NAV_FENCE_POLYGON_VERTEX_INCLUSION, MAV_CMD.NAV_FENCE_POLYGON_VERTEX_EXCLUSION,
  MAV_CMD.NAV_FENCE_CIRCLE_INCLUSION, MAV_CMD.NAV_FENCE_CIRCLE_EXCLUSION,
]);

/**
 * Check a list about to be uploaded. Mission: home (seq 0) inside the jurisdiction, every navigation item a
 * sane point (altitude checked in relative frames), every leg between them clear. Fence: every vertex and
 * circle centre inside the jurisdiction (exclusion polygons may of course sit on a no-fly zone). Rally: every
 * point as a mission point. Items at 0,0 (RTL, "here") carry no place and are not checked for one.
 */
export function checkList(rules: FlightRules, list: 'mission' | 'fence' | 'rally', items: readonly ListItem[]): FlightIssue[] {
  const issues: FlightIssue[] = [];
  const deg = (v: number) => v / 1e7;
  const located = (it: ListItem) => GLOBAL_FRAMES.has(it.frame) && (it.x !== 0 || it.y !== 0);
  if (list === 'fence') {
    for (const it of items) {
      if (!FENCE.has(it.command) || !located(it)) continue;
      const what = `fence item ${it.seq}`;
      const bad = rules.point(deg(it.x), deg(it.y), undefined, what).filter((x) => x.code !== 'no-fly');
      issues.push(...bad);
    }
    return issues;
  }
  const points: FlightPoint[] = [];
  for (const it of items) {
    const home = list === 'mission' && it.seq === 0;
    if ((!home && !NAV.has(it.command) && list === 'mission') || !located(it)) continue;
    const what = home ? 'mission home' : `${list} item ${it.seq}`;
    const alt = !home && RELATIVE_FRAMES.has(it.frame) ? it.z : undefined;
    points.push({ latDeg: deg(it.x), lonDeg: deg(it.y), ...(alt !== undefined ? { altRelM: alt } : {}), what });
  }
  if (list === 'rally') {
    for (const p of points) issues.push(...rules.point(p.latDeg, p.lonDeg, p.altRelM, p.what, { allowZero: true }));
    return issues;
  }
  return rules.path(points, 'mission');
}
