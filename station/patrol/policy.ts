/**
 * The patrol's rules as pure functions of (sorties, what the station sees of the drones, now): relief,
 * battery limits and the handover they bring forward, failsafe detection, reassignment (who may take a slot,
 * and the replacement sortie), the sorties a late start has missed. Nothing here reads a clock, a store or a
 * drone; the runner (runner.ts) gathers the inputs, calls these and carries out what they return.
 *
 * Watching a sortie in the air (`watchSortie`) turns one look at its drone into the sortie machine's events
 * (sortie.ts) and the runner's other moves, with the per-drone watch (battery samples, last mode, …) as state
 * passed in and returned.
 */
import { english, said, type Said } from './said.js';
import type { Quirks } from '../../mavlink/quirks.js';
import type { FleetDrone } from '../../missions/fleet.js';
import type { VehicleSnapshot } from '../vehicle/vehicle-state.js';
import { groundDistanceM } from '../../common/geo.js';
import { COPTER_DEFAULTS, rtlLeg, type CopterReturnParams } from '../../missions/plan/copter-return.js';
import type { MissionMarks } from './day.js';
import { AIRBORNE_STATES, FINAL_STATES, newSortie, type GateReport, type Sortie, type SortieEvent } from './sortie.js';


/** A drone's warm-up: gates failing only for a cold start's GPS/position estimate within it hold quietly. */
export const WARMUP_MS = 90_000;
/** Gates, upload and verification of a late sortie, before it can launch. */
export const LATE_PREP_MS = 60_000;
/** Less of a slot than this left on station is not worth a launch (a late start, a reassignment). */
export const MIN_SLOT_MS = 180_000;
/** A drone sent in the air (or late) reaches its post no sooner than this. */
export const REACH_MS = 120_000;

/** Sorties that a start at `nowMs` can no longer fly with enough of their slot left (station not running). */
export function missedAtStart(sorties: Iterable<Sortie>, nowMs: number): Sortie[] {
  const out: Sortie[] = [];
  for (const s of sorties) {
    const onGround = s.state === 'scheduled' || ((s.state === 'preparing' || s.state === 'held') && s.launchedAtMs === null);
    // Its launch still ahead: it flies (a drone still warming up launches a little late).
    if (!onGround || s.launchMs > nowMs) continue;
    const lateOnMs = nowMs + WARMUP_MS + LATE_PREP_MS + Math.max(0, s.onMs - s.launchMs);
    if (s.offMs - Math.max(lateOnMs, s.onMs) >= Math.min(MIN_SLOT_MS, s.offMs - s.onMs)) continue;
    out.push(s);
  }
  return out.sort((a, b) => a.launchMs - b.launchMs);
}

/** Relieved: the next sortie of the post is on station, or none follows and the planned time is over. */
export function relieved(s: Sortie, sorties: Iterable<Sortie>, nowMs: number): boolean {
  let next = false;
  for (const o of sorties) {
    if (o.id === s.id || o.post !== s.post || o.onMs <= s.onMs || o.onMs > s.offMs) continue;
    if (o.state === 'failed' || o.state === 'reassigned' || o.state === 'missed') continue;
    next = true;
    if (o.onStationAtMs !== null) return true;
  }
  return !next && nowMs >= s.offMs;
}

export interface BatterySample { atMs: number; pct: number }

/** Drain in %/s over the samples (30 s of them at least; else a cautious 0.05), bounded to [0.02, 0.5]. */
export function drainPctPerS(samples: readonly BatterySample[]): number {
  const first = samples[0], last = samples.at(-1);
  const spanS = first && last ? (last.atMs - first.atMs) / 1000 : 0;
  return spanS >= 30 ? Math.min(0.5, Math.max(0.02, (first!.pct - last!.pct) / spanS)) : 0.05;
}

/**
 * Battery % that brings the drone home with the reserve left, plus 2 %: the way home takes the flight home at
 * cruise plus a minute, and never less than ArduCopter's RTL (what battery-low commands) takes from `altM` above
 * home — the climb to RTL_ALT, the return at RTL_SPEED/WPNAV_SPEED, RTL_LOIT_TIME, the descent and the landing's
 * slow last 10 m (missions/plan/copter-return.ts; the drone's parameters or the defaults). From high up the landing
 * alone takes more than the minute (120 m: 98 s).
 */
export function batteryLimitPct(o: { reservePct: number; samples: readonly BatterySample[]; homeDistM: number; cruiseMps: number; altM?: number; copter?: CopterReturnParams }): number {
  const alt = o.altM !== undefined && Number.isFinite(o.altM) ? Math.max(0, o.altM) : 0;
  const homeS = Math.max(o.homeDistM / o.cruiseMps + 60, rtlLeg(alt, o.homeDistM, o.copter ?? COPTER_DEFAULTS).totalS);
  return o.reservePct + drainPctPerS(o.samples) * homeS + 2;
}

/**
 * Handover by battery: when `s` (on station) must leave before the next sortie of its post is planned on
 * station, that sortie launches earlier so that it arrives a minute before `s` leaves. Judged on the steady
 * drain of the last minutes, once per relief (`already`); null when nothing is to be moved.
 */
export function reliefForward(o: { s: Sortie; sorties: Iterable<Sortie>; samples: readonly BatterySample[]; marginPct: number; nowMs: number; already: ReadonlySet<string> }): { next: Sortie; launchMs: number; onMs: number } | null {
  const { s, samples, nowMs } = o;
  const first = samples[0], last = samples.at(-1);
  if (!first || !last || last.atMs - first.atMs < 60_000 || first.pct <= last.pct) return null;
  if (s.onStationAtMs === null || nowMs - s.onStationAtMs < 120_000) return null;
  const leaveAtMs = nowMs + (o.marginPct * (last.atMs - first.atMs)) / (first.pct - last.pct);
  if (leaveAtMs - nowMs > 10 * 60_000) return null;
  let next: Sortie | undefined;
  for (const x of o.sorties) {
    if (x.id === s.id || x.post !== s.post || x.onMs <= s.onMs || FINAL_STATES.has(x.state)) continue;
    if (!next || x.onMs < next.onMs) next = x;
  }
  if (!next || !['scheduled', 'preparing', 'held', 'uploading', 'verified'].includes(next.state)) return null;
  if (next.onMs <= leaveAtMs - 60_000 || next.onMs - leaveAtMs > 20 * 60_000) return null;
  const lead = next.onMs - next.launchMs;
  const launchMs = Math.max(nowMs + 30_000, leaveAtMs - 60_000 - lead);
  if (launchMs > next.launchMs - 30_000 || o.already.has(next.id)) return null;
  return { next, launchMs, onMs: launchMs + lead };
}

/** A mode change judged: the drone's own failsafe (going home or down), or a change nobody at the station asked for. */
export type ModeJudged = { type: 'failsafe' | 'fault'; text: string; said: Said };

/**
 * A drone leaving `expected`, the mode the station flies it in, for `to`, judged by its firmware's quirks table:
 * into one of its failsafe modes (battery, GCS/RC loss, fence, EKF) is the drone's own failsafe; into one of
 * `station` (modes the station itself switches to from there) nothing; into any other a fault to report (the
 * pilot's RC mode switch, say). The one rule for the mission (`modeChange`) and for a dispatch (`dispatchLost`).
 */
export function modeLeft(q: Quirks, from: string | null, to: string, o: { expected: string | undefined; station: readonly (string | undefined)[] }): ModeJudged | null {
  if (from === null || from === to || o.expected === undefined || from !== o.expected) return null;
  if (q.failsafeModes.includes(to)) return coded('failsafe', said('failsafe', { from, to }));
  if (o.station.includes(to)) return null;
  return coded('fault', said('mode-unexpected', { from, to }));
}

/**
 * A mode change seen on a drone flying its mission. Into one of the firmware's failsafe modes: the drone's
 * own failsafe (it is going home or down). Into any other mode but those the station itself uses for a pause
 * or a dispatch: a fault to report. Not judged while the sortie holds or a dispatch has the drone (the station
 * moved it; the dispatcher judges it then, `dispatchLost`), nor for changes not out of the mission mode.
 */
export function modeChange(q: Quirks, from: string | null, to: string, o: { holding: boolean; dispatched: boolean }): ModeJudged | null {
  if (o.holding || o.dispatched) return null;
  return modeLeft(q, from, to, { expected: q.missionMode, station: [q.pauseFallbackMode, q.guidedMode] });
}

/**
 * A dispatched drone no longer flying for its dispatch, from one look at it (null: it still is): disarmed (landed,
 * or its motors stopped), or out of the mode it flies in (`modeLeft`). Until the dispatch has put it in the guided
 * mode (`guided` false: a patrol drone before its go-to, a docked one before its take-off) and on a firmware
 * whose quirks name no guided mode (its go-to and orbit change the mode themselves), only the firmware's failsafe
 * modes count; in the guided mode any other change does too (the pilot's RC switch). `from` is the mode it was
 * in before: the guided mode, or the one it showed when the dispatch took it.
 */
export function dispatchLost(q: Quirks, v: Pick<VehicleSnapshot, 'armed' | 'mode'>, o: { guided: boolean; from: string }): { type: 'disarmed' | 'failsafe' | 'fault'; said: Said } | null {
  if (!v.armed) return { type: 'disarmed', said: said('dispatch-disarmed', { mode: v.mode }) };
  const strict = o.guided && q.guidedMode !== undefined;
  const from = strict ? q.guidedMode! : o.from;
  const m = modeLeft(q, from, v.mode, { expected: from, station: strict ? [] : q.modes.map((x) => x.name) });
  return m && { type: m.type, said: m.said };
}

/**
 * A docked drone the dispatcher may send now, besides the launch gates `candidates` already applies (link, GPS
 * fix and satellites, battery, pre-arm, armed, maintenance, busy): its warm-up over — a home (the distance to
 * the point is measured from it), the EKF's absolute horizontal position where the drone reports its EKF
 * (without it ArduCopter refuses to arm in GUIDED: "Need Position Estimate", which the gates let pass as a
 * warm-up), and every sensor it reports healthy. A dispatch takes off at once: unlike a sortie it has no
 * minutes of preparation in which a warm-up ends.
 */
export function dispatchReady(v: Pick<VehicleSnapshot, 'home' | 'position' | 'ekf' | 'sensors'> | undefined): boolean {
  return !!v?.home && !!v.position && v.ekf?.posHorizAbs !== false && !!v.sensors && v.sensors.unhealthy.length === 0;
}

/** What the runner keeps per drone in the air between looks. */
export interface DroneWatch {
  /** The mission item the drone flies (MISSION_CURRENT, or confirmed by a set-current). */
  current: number;
  lastMode: string | null;
  gpsAlerted: boolean;
  /** Battery samples of the last two minutes of this flight. */
  battery: BatterySample[];
  /** Distance home measured with the last good fix. */
  homeDistM: number;
  /** When a hold (set current) was last sent. */
  holdSentMs: number;
  /** Sorties already brought forward by this drone's battery. */
  broughtForward: ReadonlySet<string>;
}

export const newWatch = (): DroneWatch => ({ current: 0, lastMode: null, gpsAlerted: false, battery: [], homeDistM: 0, holdSentMs: 0, broughtForward: new Set() });

/** A runner's move from one look at a drone in the air (besides the watch's new state). */
export type WatchMove =
  | { type: 'event'; event: SortieEvent }
  /** Landed this far from its dock and from the plan's dock: it cannot charge; flag it for maintenance. */
  | { type: 'landed-away'; distM: number }
  /** Holding and the route (or hover) is done again: set the hold item once more. */
  | { type: 'hold-again' }
  /** Launch the next sortie of the post earlier (battery handover). */
  | { type: 'bring-forward'; next: Sortie; launchMs: number; onMs: number };

export interface WatchInput {
  s: Sortie;
  v: VehicleSnapshot;
  quirks: Quirks;
  /** The link to the drone is lost. */
  lost: boolean;
  takenOver: boolean;
  dispatched: boolean;
  watch: DroneWatch;
  marks: MissionMarks;
  /** The dock the sortie's plan flies from (where a landing is expected besides the drone's home). */
  planDock: { latDeg: number; lonDeg: number };
  cruiseMps: number;
  /** The drone's RTL, speed and landing parameters (VehicleInfo.copterParams, checked), or ArduCopter's defaults. */
  copter?: CopterReturnParams;
  reservePct: number;
  sorties: Iterable<Sortie>;
  nowMs: number;
}

/** One look at the drone of a sortie in the air: the watch's new state and what to do. */
export function watchSortie(i: WatchInput): { watch: DroneWatch; moves: WatchMove[] } {
  const { s, v, nowMs } = i;
  const w: DroneWatch = { ...i.watch };
  const moves: WatchMove[] = [];
  const done = () => ({ watch: w, moves });
  const event = (e: SortieEvent) => moves.push({ type: 'event', event: e });
  // A landing ends the sortie whoever flies it; anything else waits while the pilot has the drone.
  if (s.launchedAtMs !== null && !v.armed && v.landedState !== 'IN_AIR') {
    // Down away from its dock (a LAND failsafe in the field): it cannot charge; someone must fetch it.
    if (v.home && v.position && groundDistanceM(v.home, v.position) > 50 && groundDistanceM(i.planDock, v.position) > 50) moves.push({ type: 'landed-away', distM: groundDistanceM(v.home, v.position) });
    event({ type: 'landed', nowMs });
    return done();
  }
  if (i.takenOver || s.state === 'returning') return done();
  if (i.lost) {
    event({ type: 'link-lost', nowMs });
    return done();
  }
  if (s.launchedAtMs === null) return done();
  const gpsBad = v.gps !== null && v.gps.fixType < 3;
  if (gpsBad && !w.gpsAlerted) {
    w.gpsAlerted = true;
    const sd = said('gps-lost', { fix: v.gps?.fixType ?? 0 });
    event({ type: 'fault', nowMs, text: english(sd), said: sd });
  } else if (!gpsBad) w.gpsAlerted = false;
  const pct = v.battery?.remainingPct;
  if (pct != null) {
    const samples = [...w.battery, { atMs: nowMs, pct }];
    while (samples.length > 2 && nowMs - samples[0]!.atMs > 120_000) samples.shift();
    w.battery = samples;
    // Without a fix the position is not to be trusted: keep the last distance measured with one.
    if (v.home && v.position && v.gps && v.gps.fixType >= 3) w.homeDistM = groundDistanceM(v.home, v.position);
    const altM = v.position?.altRelM;
    const limit = batteryLimitPct({ reservePct: i.reservePct, samples, homeDistM: w.homeDistM, cruiseMps: i.cruiseMps, ...(altM != null ? { altM } : {}), ...(i.copter ? { copter: i.copter } : {}) });
    if (v.armed && pct <= limit) {
      event({ type: 'battery-low', nowMs, pct });
      return done();
    }
    if (s.state === 'on_patrol' && s.kind === 'school') {
      const f = reliefForward({ s, sorties: i.sorties, samples, marginPct: pct - limit, nowMs, already: w.broughtForward });
      if (f) {
        w.broughtForward = new Set([...w.broughtForward, f.next.id]);
        moves.push({ type: 'bring-forward', ...f });
      }
    }
  }
  if (w.lastMode !== v.mode) {
    const m = modeChange(i.quirks, w.lastMode, v.mode, { holding: s.holding, dispatched: i.dispatched });
    w.lastMode = v.mode;
    if (m) event({ type: m.type, nowMs, text: m.text, said: m.said });
    if (m?.type === 'failsafe') return done();
  }
  if (i.dispatched) return done();
  if (s.state === 'launching' && v.armed && w.current >= i.marks.onStationSeq) event({ type: 'on-station', nowMs });
  else if (s.state === 'on_patrol') {
    if (!s.holding && w.current >= i.marks.returnSeq) event({ type: 'route-end', nowMs, relieved: relieved(s, i.sorties, nowMs) });
    else if (s.holding && relieved(s, i.sorties, nowMs)) event({ type: 'relieved', nowMs });
    else if (s.holding && w.current >= i.marks.returnSeq && nowMs - w.holdSentMs > 10_000) moves.push({ type: 'hold-again' });
  }
  return done();
}

/** One drone of the fleet as reassignment sees it. */
export interface FleetView {
  drone: FleetDrone;
  snap: VehicleSnapshot | undefined;
  /** Gates for the slot, but the mission (not uploaded yet). */
  gates: GateReport;
  /** Taken over by the pilot, or busy with a dispatch. */
  unavailable: boolean;
}

export interface Candidate { sysid: number; droneId: string; dock: string; distM: number }

/**
 * Drones that could fly `slot` now, best first: gates passing (but the mission), not taken, not needed by a
 * later sortie before `slot` lands and recharges (a school slot may take a drone from a later patrol sortie,
 * which is then repaired in its turn; never from another school post). Same dock first, then the nearest
 * dock, then the fuller battery.
 */
export function candidates(slot: Pick<Sortie, 'kind' | 'landMs'>, fleet: readonly FleetView[], sorties: Iterable<Sortie>, fromDock: string | null): Candidate[] {
  const all = [...sorties];
  const origin = fromDock ? fleet.find((f) => f.drone.dock === fromDock && f.snap?.home)?.snap?.home : undefined;
  const out: (Candidate & { pct: number })[] = [];
  for (const f of fleet) {
    const fd = f.drone;
    if (f.unavailable || !f.gates.okButMission) continue;
    const clash = all.some((o) => o.sysid === fd.sysid && o.state === 'scheduled' && o.launchMs < slot.landMs + fd.chargeMin * 60_000 && (slot.kind !== 'school' || o.kind === 'school'));
    if (clash) continue;
    const h = f.snap?.home;
    const distM = fd.dock === fromDock ? 0 : origin && h ? groundDistanceM(origin, h) : 1e9;
    out.push({ sysid: fd.sysid, droneId: fd.id, dock: fd.dock, distM, pct: f.snap?.battery?.remainingPct ?? 0 });
  }
  return out.sort((a, b) => a.distM - b.distM || b.pct - a.pct).map(({ pct: _p, ...c }) => c);
}

/**
 * When a slot taken from `s` would be on station: in the air (or late, `retry`) the rest of the slot, on the
 * ground the whole slot as planned. Null when too little of it is left to send another drone.
 */
export function slotOnMs(s: Sortie, nowMs: number, retry: boolean): number | null {
  const onMs = s.launchedAtMs !== null || retry ? Math.max(nowMs + REACH_MS, s.onMs) : s.onMs;
  return s.offMs - onMs < MIN_SLOT_MS ? null : onMs;
}

/** An open slot is given up when less than a useful stretch of it is left even if filled now. */
export const slotExpired = (s: Sortie, nowMs: number): boolean => s.offMs - Math.max(nowMs + REACH_MS, s.onMs) < MIN_SLOT_MS;

/**
 * The sortie that takes (the rest of) `s`'s slot on `pick`, number `n` of the day's replacements. From another
 * dock the flight to the post is longer: it launches earlier by the extra distance (with margin).
 */
export function replacement(s: Sortie, pick: Candidate, o: { nowMs: number; retry: boolean; onMs: number; n: number; cruiseMps: number }): Sortie {
  const airborne = s.launchedAtMs !== null || o.retry;
  const extraMs = pick.distM > 0 && pick.distM < 1e8 ? (1.2 * pick.distM * 1000) / o.cruiseMps + 30_000 : 0;
  const launchMs = airborne ? o.nowMs + 60_000 : Math.max(s.launchMs - extraMs, o.nowMs + 60_000);
  return newSortie({
    id: `${s.id.replace(/-R\d+$/, '')}-R${o.n}`, kind: s.kind, post: s.post, droneId: pick.droneId, sysid: pick.sysid, plan: s.plan,
    launchMs, onMs: o.onMs, offMs: s.offMs, landMs: s.landMs + Math.max(0, launchMs - s.launchMs), needPct: s.needPct, replaces: s.id,
  });
}

/** Ground states the pilot's takeover takes the slot from (it goes to another drone); in the air it waits. */
export const takeoverReassigns = (s: Sortie): boolean => s.state === 'preparing' || s.state === 'held' || s.state === 'uploading' || s.state === 'verified';

/**
 * A telemetry stream of a patrol drone gone missing (asked again) or back: a restored stream is an event
 * (level null); a missing one an alert, critical while its drone flies a sortie.
 */
export function streamNote(e: { type: 'stream-missing' | 'stream-restored'; sysid: number; message: string; silentMs: number; hz?: number; refused?: string | null; usedFor?: string }, s: Sortie | undefined): { level: 'critical' | 'warning' | null; said: Said } {
  const who = s ? `${s.id} (${s.droneId})` : `sys${e.sysid}`;
  if (e.type === 'stream-restored') return { level: null, said: said('stream-restored', { who, message: e.message, seconds: Math.round(e.silentMs / 1000) }) };
  const what = e.refused ? said('stream-refused', { who, message: e.message, refused: e.refused, usedFor: e.usedFor ?? '' }) : said('stream-missing', { who, message: e.message, seconds: Math.round(e.silentMs / 1000), hz: e.hz ?? '', usedFor: e.usedFor ?? '' });
  return { level: s !== undefined && AIRBORNE_STATES.has(s.state) ? 'critical' : 'warning', said: what };
}

const coded = (type: 'failsafe' | 'fault', sd: Said): ModeJudged => ({ type, text: english(sd), said: sd });
