/**
 * The patrol runner: binds one sortie machine (sortie.ts) per sortie of the day to the station and its clock.
 * Every `tickMs` it feeds each sortie the time and its gates, watches the drones in the air (mission progress,
 * battery, link, mode, GPS, landing) and turns what it sees into machine events; the machines' effects
 * (upload, launch, hold, resume, rtl, alert, reassign) are carried out here, every command audited.
 *
 * Relief: a sortie is relieved when the next sortie of its post (the patrol, or one school's gate) is on
 * station, or, when no later sortie of the post overlaps it, at its planned off-station time. At the end of
 * its route an unrelieved drone holds (pause) until relieved or until its battery requires it home.
 * Reassignment: the slot goes to the nearest ready drone (same dock first) that is free until the slot's
 * landing plus its charge time; a school slot may take a drone whose later patrol sortie then gets repaired
 * the same way (a school window is never left uncovered to serve the patrol).
 * Restart: sorties are read back from the store; those on the ground prepare again, those in the air are
 * watched again; a sortie that got MISSION_START is never launched again. The restart itself is recorded: the
 * store's kv "run" says when this run started, when it was last alive (every 30 s) and whether it stopped; a
 * run that finds the previous one never stopped (a crash, kill -9, power cut) records a 'restart' event and a
 * warning alert (so the daily report's faults list it) with the time it was down; after a clean stop, a
 * 'restart' event and a notice.
 * Records: `records()` (the station's StorageHealth) is a launch gate: while the station cannot keep its
 * records, no sortie launches; drones in the air fly on.
 * A drone taken over by the pilot is left alone until released.
 */
import type { Clock, TimerId } from '../../common/clock.js';
import { err, ok, type Result } from '../../common/result.js';
import { groundDistanceM } from '../../common/geo.js';
import type { Station } from '../compose.js';
import type { PlanLists } from '../files/plan-file.js';
import { MissionProgress } from '../vehicle/launch.js';
import type { VehicleSnapshot } from '../vehicle/vehicle-state.js';
import { isoLocal } from '../../missions/plan/timezone.js';
import { audited, landingAt, launchMission, uploadPlan, type ActionContext } from './actions.js';
import type { DayInput, DaySortie } from './day.js';
import { Dispatcher, type LookRequest, type DispatchRecord } from './dispatch.js';
import { evaluateGates } from './gates.js';
import { ACTIVE_STATES, AIRBORNE_STATES, DEFAULT_TIMING, FINAL_STATES, newSortie, stepSortie, type Sortie, type SortieEffect, type SortieEvent, type SortieTiming } from './sortie.js';
import type { AlertRow, PatrolStore } from './store.js';
import { english, said, saidText, type Said } from './said.js';
import type { CommandGateway } from '../gateway/gateway.js';

export interface RunnerOptions {
  clock: Clock;
  station: Station;
  day: DayInput;
  store: PatrolStore;
  /** The station's command gateway (and its audit): every command of the runner passes it. */
  gateway: CommandGateway;
  /** Who the audit names as the sender. Default "patrol-runner". */
  actor?: string;
  tickMs?: number;
  timing?: Partial<SortieTiming>;
  onAlert?: (a: AlertRow) => void;
  /** The picture of the moment for an alert of this drone (issue 18: the station's alert snapshots), if it has video. */
  snapshot?: (sysid: number) => AlertRow['snapshot'];
  /** Why new launches must wait for the station's records (station/storage/health.ts), or null. */
  records?: () => string | null;
}

/** The kv "run" row: this station run, for telling a restart after a crash from one after a stop. */
interface RunMark { startedMs: number; aliveMs: number; stoppedMs: number | null }
const ALIVE_EVERY_MS = 30_000;

interface Watch { current: number; missionId: number; lastMode: string | null; gpsAlerted: boolean; battery: { atMs: number; pct: number }[]; homeDistM: number; holdSentMs: number; broughtForward: Set<string> }

/**
 * A drone's warm-up: ArduCopter needs about 40 s from a cold start to a 3D fix and a position estimate
 * ("PreArm: Need Position Estimate" until then); gates that fail only for that within this time hold the
 * sortie quietly instead of calling the drone unfit.
 */
export const WARMUP_MS = 90_000;
/** Gates, upload and verification of a late sortie, before it can launch. */
const LATE_PREP_MS = 60_000;
/** Less of a slot than this left on station is not worth a launch (as for a reassignment). */
const MIN_SLOT_MS = 180_000;

export class PatrolRunner {
  private readonly sorties = new Map<string, Sortie>();
  private readonly watches = new Map<number, Watch>();
  private readonly unwatch = new Map<number, () => void>();
  /** sysid → plan path verified on it since its last flight. */
  private readonly verified = new Map<number, string>();
  private readonly maintenance = new Set<number>();
  private readonly takenOver = new Set<number>();
  private readonly timing: SortieTiming;
  private readonly ctx: ActionContext;
  private readonly dayKey: string;
  private timer: TimerId | undefined;
  private offStreams: (() => void) | undefined;
  private readonly startedMs: number;
  private replacements = 0;
  private stopped = false;
  private run: RunMark;
  readonly dispatcher: Dispatcher;
  readonly reservePct: number;

  constructor(private readonly o: RunnerOptions) {
    this.timing = { ...DEFAULT_TIMING, ...o.timing };
    this.startedMs = o.clock.now();
    this.dayKey = `${o.day.schedule.station}/${o.day.schedule.date}`;
    this.reservePct = o.day.fleet.reservePct;
    this.ctx = { clock: o.clock, station: o.station, actor: o.actor ?? 'patrol-runner', gateway: o.gateway };
    // A maintenance flag and a pilot's takeover outlive a station restart: a drone set aside is not launched
    // again because the station came back up.
    for (const sysid of this.loadFlags('maintenance')) this.maintenance.add(sysid);
    for (const sysid of this.loadFlags('taken-over')) this.takenOver.add(sysid);
    const saved = o.store.sorties(this.dayKey);
    if (saved.length) for (const s of saved) this.sorties.set(s.id, this.restored(s));
    else for (const d of o.day.sorties) this.put(newSortie({ id: d.s.id, kind: d.s.kind, post: d.s.kind === 'school' ? (d.s.targets[0] ?? d.s.id) : 'patrol', droneId: d.drone.id, sysid: d.drone.sysid, plan: d.s.plan, launchMs: d.launchMs, onMs: d.onMs, offMs: d.offMs, landMs: d.landMs, needPct: Math.ceil(d.s.battery_percent) }));
    this.replacements = [...this.sorties.values()].filter((s) => s.replaces).length;
    this.dispatcher = new Dispatcher({ ctx: this.ctx, runner: this, store: o.store, key: this.dayKey });
    this.run = { startedMs: o.clock.now(), aliveMs: o.clock.now(), stoppedMs: null };
    this.noteRestart();
    this.o.store.setKv('run', JSON.stringify(this.run));
    // A person's flight command or upload through the gateway takes a drone of the patrol over (the desk shows it).
    o.gateway.setPatrol({
      holds: (sysid) => (this.takenOver.has(sysid) ? null : ((id) => (id ? `patrol sortie ${id}` : 'the patrol'))(this.busyWith(sysid)?.id)),
      takeover: (sysid) => this.takeover(sysid),
    });
    this.event(null, null, saved.length ? 'resume' : 'start', saved.length ? said('resume', { count: saved.length, file: o.store.file }) : said('start', { day: this.dayKey, count: this.sorties.size }));
    this.markMissed(o.clock.now());
  }

  /**
   * Started (or back) too late for some sorties: those that can no longer reach their post with enough of their
   * slot left are missed (station not running), one event each and one summary alert — not a failed gate each.
   * A sortie whose slot still has time left flies late: warm-up, upload and the flight to the post first.
   */
  private markMissed(nowMs: number): void {
    const missed: Sortie[] = [];
    for (const s of this.sorties.values()) {
      const onGround = s.state === 'scheduled' || ((s.state === 'preparing' || s.state === 'held') && s.launchedAtMs === null);
      // Its launch still ahead: it flies (a drone still warming up launches a little late).
      if (!onGround || s.launchMs > nowMs) continue;
      const lateOnMs = nowMs + WARMUP_MS + LATE_PREP_MS + Math.max(0, s.onMs - s.launchMs);
      if (s.offMs - Math.max(lateOnMs, s.onMs) >= Math.min(MIN_SLOT_MS, s.offMs - s.onMs)) continue;
      const m: Sortie = { ...s, state: 'missed', reason: 'station not running' };
      this.put(m);
      missed.push(m);
      this.event(s.id, s.sysid, 'missed', said('missed', { sortie: s.id, drone: s.droneId, from: this.hhmm(s.launchMs), to: this.hhmm(s.landMs) }));
    }
    if (!missed.length) return;
    missed.sort((a, b) => a.launchMs - b.launchMs);
    this.alert(null, null, 'warning', said('missed-summary', { count: missed.length, until: this.hhmm(nowMs), first: missed[0]!.id, firstAt: this.hhmm(missed[0]!.launchMs), last: missed.at(-1)!.id, lastAt: this.hhmm(missed.at(-1)!.landMs) }));
  }

  private hhmm(atMs: number): string {
    return isoLocal(atMs, this.o.day.schedule.timezone).slice(11, 16);
  }

  /** When this runner first heard each drone: a drone is given its warm-up (GPS fix, position estimate) from then. */
  private readonly firstHeard = new Map<number, number>();
  private warmingUntil(sysid: number, nowMs: number): number {
    let t = this.firstHeard.get(sysid);
    if (t === undefined && this.snap(sysid)?.lastHeartbeatMs != null) this.firstHeard.set(sysid, (t = nowMs));
    // Never heard yet: it may be powering up; the warm-up starts with the runner.
    return (t ?? this.startedMs) + WARMUP_MS;
  }

  /** The previous run of this store, if any: a restart event, and an alert when it ended without stopping. */
  private noteRestart(): void {
    let prev: RunMark | undefined;
    try {
      const v = JSON.parse(this.o.store.kv('run') ?? 'null') as Partial<RunMark> | null;
      if (v && Number.isFinite(v.startedMs) && Number.isFinite(v.aliveMs)) prev = { startedMs: v.startedMs!, aliveMs: v.aliveMs!, stoppedMs: Number.isFinite(v.stoppedMs) ? v.stoppedMs! : null };
    } catch {
      prev = undefined;
    }
    if (!prev) return;
    const now = this.run.startedMs;
    const at = (ms: number) => new Date(ms).toISOString().slice(11, 19) + 'Z';
    if (prev.stoppedMs === null) {
      const text = said('restart-unclean', { lastAlive: at(prev.aliveMs), seconds: Math.round((now - prev.aliveMs) / 1000) });
      this.event(null, null, 'restart', text);
      this.alert(null, null, 'warning', text);
    } else {
      const text = said('restart', { stopped: at(prev.stoppedMs), seconds: Math.round((now - prev.stoppedMs) / 1000) });
      this.event(null, null, 'restart', text);
      this.alert(null, null, 'notice', text);
    }
  }

  start(): void {
    this.timer ??= this.o.clock.setInterval(() => this.tick(), this.o.tickMs ?? 1000);
    this.offStreams ??= this.o.station.on('*', (e) => {
      if (e.type !== 'stream-missing' && e.type !== 'stream-restored') return;
      if (![...this.sorties.values()].some((s) => s.sysid === e.sysid)) return;
      const s = this.busyWith(e.sysid);
      const who = s ? `${s.id} (${s.droneId})` : `sys${e.sysid}`;
      if (e.type === 'stream-restored') return this.event(s?.id ?? null, e.sysid, 'stream-restored', said('stream-restored', { who, message: e.message, seconds: Math.round(e.silentMs / 1000) }));
      const flying = s !== undefined && AIRBORNE_STATES.has(s.state);
      const what = e.refused ? said('stream-refused', { who, message: e.message, refused: e.refused, usedFor: e.usedFor }) : said('stream-missing', { who, message: e.message, seconds: Math.round(e.silentMs / 1000), hz: e.hz, usedFor: e.usedFor });
      this.alert(s?.id ?? null, e.sysid, flying ? 'critical' : 'warning', what);
    });
  }

  /** Stop deciding. `safe`: drones in the air are sent home (RTL) so they end returning or landed. */
  async stop(o: { safe?: boolean } = {}): Promise<void> {
    if (!this.stopped) this.o.store.setKv('run', JSON.stringify({ ...this.run, aliveMs: this.o.clock.now(), stoppedMs: this.o.clock.now() }));
    this.stopped = true;
    if (this.timer !== undefined) this.o.clock.clearInterval(this.timer);
    this.timer = undefined;
    this.offStreams?.();
    this.offStreams = undefined;
    for (const off of this.unwatch.values()) off();
    this.unwatch.clear();
    if (o.safe) {
      const jobs: Promise<unknown>[] = [];
      for (const s of this.sorties.values()) {
        if (s.state === 'on_patrol' || s.state === 'launching') jobs.push(audited(this.ctx, s.sysid, s.id, 'RTL (station stopping)', () => this.o.station.vehicle(s.sysid)!.commands.rtl()));
      }
      await Promise.all(jobs);
    }
  }

  list(): Sortie[] {
    return [...this.sorties.values()];
  }
  dispatches(): DispatchRecord[] {
    return this.dispatcher.records();
  }
  request(r: LookRequest): string {
    return this.dispatcher.request(r);
  }
  private loadFlags(key: 'maintenance' | 'taken-over'): number[] {
    try {
      const v: unknown = JSON.parse(this.o.store.kv(key) ?? '[]');
      return Array.isArray(v) ? v.filter((x): x is number => Number.isInteger(x)) : [];
    } catch {
      return [];
    }
  }
  private saveFlags(): void {
    this.o.store.setKv('maintenance', JSON.stringify([...this.maintenance]));
    this.o.store.setKv('taken-over', JSON.stringify([...this.takenOver]));
  }
  isInMaintenance(sysid: number): boolean {
    return this.maintenance.has(sysid);
  }
  flagMaintenance(sysid: number, on: boolean): void {
    if (on) this.maintenance.add(sysid);
    else this.maintenance.delete(sysid);
    this.saveFlags();
    this.event(null, sysid, 'maintenance', said(on ? 'maintenance' : 'maintenance-cleared'));
  }
  /** The pilot takes a drone: its sortie makes no move until `release`. */
  takeover(sysid: number): void {
    if (this.takenOver.has(sysid)) return;
    this.takenOver.add(sysid);
    this.saveFlags();
    this.event(null, sysid, 'takeover', said('taken-over'));
    for (const s of this.sorties.values()) {
      if (s.sysid !== sysid) continue;
      // On the ground the slot goes to another drone; in the air the sortie waits for the release.
      if (s.state === 'preparing' || s.state === 'held' || s.state === 'uploading' || s.state === 'verified') {
        this.put({ ...s, state: 'reassigned', reason: 'the pilot took the drone over' });
        this.reassign(s, said('taken-over'));
      } else if (ACTIVE_STATES.has(s.state)) this.apply(s, { type: 'takeover' });
    }
  }
  release(sysid: number): void {
    this.takenOver.delete(sysid);
    this.saveFlags();
    for (const s of this.sorties.values()) if (s.sysid === sysid && s.takenOver) this.apply(s, { type: 'release' });
  }
  isTakenOver(sysid: number): boolean {
    return this.takenOver.has(sysid);
  }

  snap(sysid: number): VehicleSnapshot | undefined {
    return this.o.station.vehicle(sysid)?.view();
  }

  /** The active sortie of a drone, if any. */
  busyWith(sysid: number, except?: string): Sortie | undefined {
    for (const s of this.sorties.values()) if (s.sysid === sysid && s.id !== except && (ACTIVE_STATES.has(s.state) || s.state === 'landed')) return s;
    return undefined;
  }

  private restored(s: Sortie): Sortie {
    // Ground states prepare again (verification is per station run); airborne ones are watched again.
    if (s.state === 'uploading' || s.state === 'verified' || s.state === 'preparing') return { ...s, state: 'preparing' };
    if (s.state === 'launching' && s.launchedAtMs === null) return { ...s, state: 'preparing' };
    return s;
  }

  private put(s: Sortie): void {
    this.sorties.set(s.id, s);
    this.o.store.saveSortie(this.dayKey, s);
  }

  /** An event of the record: by code (said.ts) and in English. */
  event(sortie: string | null, sysid: number | null, kind: string, sd: Said): void {
    this.o.store.event({ atMs: this.o.clock.now(), sortie, sysid, kind, text: english(sd), said: sd });
  }

  /** An alert: by code (the console words it) and in English (the log, the CLI, the centre). */
  alert(sortie: string | null, sysid: number | null, level: string, sd: Said, text = english(sd)): void {
    const v = sysid !== null ? this.snap(sysid) : undefined;
    const state = v
      ? JSON.stringify({ mode: v.mode, armed: v.armed, position: v.position && { latDeg: v.position.latDeg, lonDeg: v.position.lonDeg, altRelM: v.position.altRelM }, battery: v.battery?.remainingPct ?? null, gps: v.gps, landedState: v.landedState })
      : null;
    const snapshot = sysid !== null ? this.o.snapshot?.(sysid) : undefined;
    const row: AlertRow = { atMs: this.o.clock.now(), sortie, sysid, level, text, state, said: sd, ...(snapshot ? { snapshot } : {}) };
    this.o.store.alert(row);
    this.o.onAlert?.(row);
  }

  private daySortie(s: Sortie): DaySortie | undefined {
    return this.o.day.plans.get(s.plan);
  }

  /**
   * The mission a sortie's drone flies. A drone standing in for one of another dock flies that sortie's route
   * but lands where it lives: the route's last item (NAV_LAND on the planned drone's dock, whose own drone may
   * still sit there) is moved to the stand-in's home. Without a known home it is not sent at all.
   */
  private planFor(s: Sortie, d: DaySortie): Result<PlanLists> {
    const own = this.o.day.fleet.drones.find((x) => x.sysid === s.sysid);
    if (!own || own.dock === d.drone.dock) return ok(d.plan);
    const home = this.snap(s.sysid)?.home;
    if (!home) return err('no-home', `${s.droneId} stands in from dock ${own.dock}: its home is not known yet, so it cannot be sent to land there`);
    return ok(landingAt(d.plan, home));
  }

  apply(s: Sortie, e: SortieEvent): void {
    const before = s.state;
    const { sortie, effects } = stepSortie(s, e, this.timing);
    if (sortie !== s) this.put(sortie);
    if (sortie.state !== before) this.event(sortie.id, sortie.sysid, 'state', sortie.reason ? said('state-why', { from: before, to: sortie.state }, [saidText(sortie.reason)]) : said('state', { from: before, to: sortie.state }));
    for (const fx of effects) this.effect(sortie, fx);
  }

  private effect(s: Sortie, fx: SortieEffect): void {
    const cmd = () => this.o.station.vehicle(s.sysid)?.commands;
    switch (fx.type) {
      case 'alert':
        this.alert(s.id, s.sysid, fx.level, fx.said);
        return;
      case 'upload': {
        const d = this.daySortie(s);
        if (!d) return this.later(s, { type: 'upload-done', ok: false, reason: `no plan ${s.plan}` });
        const plan = this.planFor(s, d);
        if (!plan.ok) return this.later(s, { type: 'upload-done', ok: false, reason: plan.reason });
        void uploadPlan(this.ctx, s.sysid, s.id, plan.value).then((r) => {
          if (r.ok) this.verified.set(s.sysid, s.plan);
          this.later(s, r.ok ? { type: 'upload-done', ok: true } : { type: 'upload-done', ok: false, reason: r.reason });
        });
        return;
      }
      case 'launch':
        Object.assign(this.watch(s.sysid), { current: 0, battery: [], homeDistM: 0 });
        void launchMission(this.ctx, s.sysid, s.id).then((r) => {
          this.verified.delete(s.sysid);
          this.later(s, r.ok ? { type: 'launch-done', ok: true, nowMs: this.o.clock.now() } : { type: 'launch-done', ok: false, nowMs: this.o.clock.now(), reason: r.reason });
        });
        return;
      case 'hold':
        this.setCurrent(s, 'hold', `mission item ${this.daySortie(s)?.marks.holdSeq} (hold for relief)`);
        return;
      case 'resume':
        this.setCurrent(s, 'resume', `mission item ${this.daySortie(s)?.marks.resumeSeq} (relieved, home)`);
        return;
      case 'rtl':
        void audited(this.ctx, s.sysid, s.id, `RTL (${fx.reason})`, () => cmd()!.rtl());
        return;
      case 'reassign':
        this.reassign(s, fx.said);
        return;
    }
  }

  /**
   * Holding is done with the mission itself: back to the hover (a school post) or to the start of the route
   * (patrol), and, once relieved, on to the leg home. A pause would stop a drone in its landing leg.
   */
  private setCurrent(s: Sortie, what: 'hold' | 'resume', label: string): void {
    const d = this.daySortie(s);
    const m = this.o.station.vehicle(s.sysid)?.missions;
    if (!d || !m) return;
    const seq = what === 'hold' ? d.marks.holdSeq : d.marks.resumeSeq;
    this.watch(s.sysid).holdSentMs = this.o.clock.now();
    void audited(this.ctx, s.sysid, s.id, `set current ${label}`, async () => {
      const r = await m.setCurrent(seq).result;
      // Confirmed by the drone: progress is there now (MISSION_CURRENT may be slow, or not come at all).
      if (r.outcome === 'ok') this.watch(s.sysid).current = seq;
      return r.outcome === 'ok' ? { ok: true } : { ok: false, reason: `set current ${seq}: ${r.outcome}${r.reason ? ` (${r.reason})` : ''}` };
    });
  }

  /** Feed an event to the sortie's current version (it may have moved on while a command ran). */
  private later(s: Sortie, e: SortieEvent): void {
    if (this.stopped) return;
    const now = this.sorties.get(s.id);
    if (now) this.apply(now, e);
  }

  private watch(sysid: number): Watch {
    let w = this.watches.get(sysid);
    if (!w) this.watches.set(sysid, (w = { current: 0, missionId: 0, lastMode: null, gpsAlerted: false, battery: [], homeDistM: 0, holdSentMs: 0, broughtForward: new Set() }));
    if (!this.unwatch.has(sysid)) {
      const m = this.o.station.vehicle(sysid)?.missions;
      const ww = w;
      // Progress from whichever the drone sends: MISSION_CURRENT, or MISSION_ITEM_REACHED (the item after).
      if (m) {
        const progress = new MissionProgress(m, (_r, p) => {
          ww.current = p.current;
        });
        this.unwatch.set(sysid, () => progress.dispose());
      }
    }
    return w;
  }

  private gatesFor(s: Sortie, nowMs: number) {
    const info = this.o.station.vehicle(s.sysid);
    return evaluateGates({
      nowMs, snap: this.snap(s.sysid), lost: info?.lost ?? true, needPct: s.needPct, reservePct: this.reservePct,
      maintenance: this.maintenance.has(s.sysid), missionVerified: this.verified.get(s.sysid) === s.plan,
      warmingUntilMs: this.warmingUntil(s.sysid, nowMs),
      busyWith: this.takenOver.has(s.sysid) ? 'the pilot' : (this.busyWith(s.sysid, s.id)?.id ?? this.dispatcher.busy(s.sysid)),
      records: this.o.records?.() ?? null,
    });
  }

  /** Relieved: the next sortie of the post is on station, or none follows and the planned time is over. */
  relieved(s: Sortie, nowMs: number): boolean {
    let next = false;
    for (const o of this.sorties.values()) {
      if (o.id === s.id || o.post !== s.post || o.onMs <= s.onMs || o.onMs > s.offMs) continue;
      if (o.state === 'failed' || o.state === 'reassigned' || o.state === 'missed') continue;
      next = true;
      if (o.onStationAtMs !== null) return true;
    }
    return !next && nowMs >= s.offMs;
  }

  /** Battery % that brings the drone home with the reserve left, from its drain over the last minutes of this flight. */
  private batteryLimit(s: Sortie, v: VehicleSnapshot, w: Watch): number {
    const home = v.home, pos = v.position;
    // Without a fix the position is not to be trusted: keep the last distance measured with one.
    if (home && pos && v.gps && v.gps.fixType >= 3) w.homeDistM = groundDistanceM({ latDeg: home.latDeg, lonDeg: home.lonDeg }, pos);
    const first = w.battery[0], last = w.battery.at(-1);
    const spanS = first && last ? (last.atMs - first.atMs) / 1000 : 0;
    const drainPctPerS = spanS >= 30 ? Math.min(0.5, Math.max(0.02, (first!.pct - last!.pct) / spanS)) : 0.05;
    const cruise = this.daySortie(s)?.drone.cruiseMps ?? 10;
    return this.reservePct + drainPctPerS * (w.homeDistM / cruise + 60) + 2;
  }

  /**
   * Handover by battery: when this drone must leave before the next sortie of its post is planned on station,
   * that sortie launches earlier so that it arrives a minute before this one leaves.
   */
  private bringReliefForward(s: Sortie, w: Watch, marginPct: number, nowMs: number): void {
    const first = w.battery[0], last = w.battery.at(-1);
    if (!first || !last || last.atMs - first.atMs < 60_000 || first.pct <= last.pct) return;
    // Judged on the hover's steady drain, within the last minutes before it must leave; once per relief.
    if (s.onStationAtMs === null || nowMs - s.onStationAtMs < 120_000) return;
    const leaveAtMs = nowMs + (marginPct * (last.atMs - first.atMs)) / (first.pct - last.pct);
    if (leaveAtMs - nowMs > 10 * 60_000) return;
    let next: Sortie | undefined;
    for (const o of this.sorties.values()) {
      if (o.id === s.id || o.post !== s.post || o.onMs <= s.onMs || FINAL_STATES.has(o.state)) continue;
      if (!next || o.onMs < next.onMs) next = o;
    }
    if (!next || !['scheduled', 'preparing', 'held', 'uploading', 'verified'].includes(next.state)) return;
    if (next.onMs <= leaveAtMs - 60_000 || next.onMs - leaveAtMs > 20 * 60_000) return;
    const lead = next.onMs - next.launchMs;
    const launchMs = Math.max(nowMs + 30_000, leaveAtMs - 60_000 - lead);
    if (launchMs > next.launchMs - 30_000 || w.broughtForward.has(next.id)) return;
    w.broughtForward.add(next.id);
    this.put({ ...next, launchMs, onMs: launchMs + lead });
    this.event(next.id, next.sysid, 'handover', said('handover-early', { seconds: Math.round((next.launchMs - launchMs) / 1000), sortie: s.id, drone: s.droneId }));
  }

  private monitor(s: Sortie, nowMs: number): void {
    const v = this.snap(s.sysid);
    const w = this.watch(s.sysid);
    const d = this.daySortie(s);
    if (!v || !d) return;
    // A landing ends the sortie whoever flies it; anything else waits while the pilot has the drone.
    if (s.launchedAtMs !== null && !v.armed && v.landedState !== 'IN_AIR') {
      // Down away from its dock (a LAND failsafe in the field): it cannot charge; someone must fetch it.
      const planDock = { latDeg: d.plan.home.lat, lonDeg: d.plan.home.lon };
      if (v.home && v.position && groundDistanceM(v.home, v.position) > 50 && groundDistanceM(planDock, v.position) > 50) {
        this.maintenance.add(s.sysid);
        this.saveFlags();
        this.alert(s.id, s.sysid, 'critical', said('landed-away', { sortie: s.id, drone: s.droneId, metres: Math.round(groundDistanceM(v.home, v.position)) }));
      }
      return this.apply(s, { type: 'landed', nowMs });
    }
    if (this.takenOver.has(s.sysid)) return;
    const dispatched = this.dispatcher.busy(s.sysid) !== null;
    if (s.state === 'returning') return;
    if (this.o.station.vehicle(s.sysid)?.lost) return this.apply(s, { type: 'link-lost', nowMs });
    if (s.launchedAtMs === null) return;
    const gpsBad = v.gps !== null && v.gps.fixType < 3;
    if (gpsBad && !w.gpsAlerted) {
      w.gpsAlerted = true;
      const sd = said('gps-lost', { fix: v.gps?.fixType ?? 0 });
      this.apply(s, { type: 'fault', nowMs, text: english(sd), said: sd });
    } else if (!gpsBad) w.gpsAlerted = false;
    const pct = v.battery?.remainingPct;
    if (pct != null) {
      w.battery.push({ atMs: nowMs, pct });
      while (w.battery.length > 2 && nowMs - w.battery[0]!.atMs > 120_000) w.battery.shift();
      const limit = this.batteryLimit(s, v, w);
      if (v.armed && pct <= limit) return this.apply(s, { type: 'battery-low', nowMs, pct });
      if (s.state === 'on_patrol' && s.kind === 'school') this.bringReliefForward(s, w, pct - limit, nowMs);
    }
    if (w.lastMode !== v.mode) {
      const from = w.lastMode;
      w.lastMode = v.mode;
      if (from === 'AUTO' && !dispatched && !s.holding && (v.mode === 'RTL' || v.mode === 'LAND' || v.mode === 'SMART_RTL')) {
        const sd = said('failsafe', { from: from ?? '', to: v.mode });
        return this.apply(s, { type: 'failsafe', nowMs, text: english(sd), said: sd });
      }
      if (from === 'AUTO' && !dispatched && !s.holding && v.mode !== 'BRAKE' && v.mode !== 'GUIDED') {
        const sd = said('mode-unexpected', { from: from ?? '', to: v.mode });
        this.apply(s, { type: 'fault', nowMs, text: english(sd), said: sd });
      }
    }
    if (dispatched) return;
    if (s.state === 'launching' && v.armed && w.current >= d.marks.onStationSeq) return this.apply(s, { type: 'on-station', nowMs });
    if (s.state === 'on_patrol') {
      if (!s.holding && w.current >= d.marks.returnSeq) return this.apply(s, { type: 'route-end', nowMs, relieved: this.relieved(s, nowMs) });
      if (s.holding && this.relieved(s, nowMs)) return this.apply(s, { type: 'relieved', nowMs });
      // Still holding and the route (or hover) is done again: once more.
      if (s.holding && w.current >= d.marks.returnSeq && nowMs - w.holdSentMs > 10_000) this.setCurrent(s, 'hold', `mission item ${d.marks.holdSeq} (hold for relief, again)`);
    }
  }

  private tick(): void {
    if (this.stopped) return;
    const nowMs = this.o.clock.now();
    if (nowMs - this.run.aliveMs >= ALIVE_EVERY_MS) {
      this.run.aliveMs = nowMs;
      this.o.store.setKv('run', JSON.stringify(this.run));
    }
    for (const s of [...this.sorties.values()].sort((a, b) => a.launchMs - b.launchMs)) {
      const cur = this.sorties.get(s.id)!;
      if (FINAL_STATES.has(cur.state)) continue;
      if (AIRBORNE_STATES.has(cur.state)) this.monitor(cur, nowMs);
      else if (cur.state === 'scheduled' && nowMs < cur.launchMs - this.timing.prepLeadMs) continue;
      else if (cur.state !== 'uploading') this.apply(cur, { type: 'tick', nowMs, gates: this.gatesFor(cur, nowMs) });
    }
    this.retryOpen(nowMs);
    this.dispatcher.tick(nowMs);
  }

  /** Drones that could fly `s` now: free, gates passing (but the mission), not needed before `s` lands and recharges. */
  candidates(s: Pick<Sortie, 'id' | 'kind' | 'needPct' | 'landMs' | 'plan'>, nowMs: number, fromDock: string | null): { sysid: number; droneId: string; dock: string; distM: number }[] {
    const out: { sysid: number; droneId: string; dock: string; distM: number; pct: number }[] = [];
    const dockPos = (dock: string) => this.o.day.fleet.drones.filter((x) => x.dock === dock).map((x) => this.snap(x.sysid)?.home).find((h) => h);
    const origin = fromDock ? dockPos(fromDock) : undefined;
    for (const fd of this.o.day.fleet.drones) {
      if (this.takenOver.has(fd.sysid) || this.dispatcher.busy(fd.sysid)) continue;
      const g = evaluateGates({ nowMs, snap: this.snap(fd.sysid), lost: this.o.station.vehicle(fd.sysid)?.lost ?? true, needPct: s.needPct, reservePct: this.reservePct, maintenance: this.maintenance.has(fd.sysid), missionVerified: true, busyWith: this.busyWith(fd.sysid)?.id ?? null, records: this.o.records?.() ?? null });
      if (!g.okButMission) continue;
      // A school slot may take a drone from a later patrol sortie (that one is repaired in its turn), never
      // from another school post.
      const clash = [...this.sorties.values()].some((o) => o.sysid === fd.sysid && o.state === 'scheduled' && o.launchMs < s.landMs + fd.chargeMin * 60_000 && (s.kind !== 'school' || o.kind === 'school'));
      if (clash) continue;
      const h = this.snap(fd.sysid)?.home;
      const distM = fd.dock === fromDock ? 0 : origin && h ? groundDistanceM(origin, h) : 1e9;
      out.push({ sysid: fd.sysid, droneId: fd.id, dock: fd.dock, distM, pct: this.snap(fd.sysid)?.battery?.remainingPct ?? 0 });
    }
    return out.sort((a, b) => a.distM - b.distM || b.pct - a.pct);
  }

  /** Slots still without a drone: tried again every tick while enough of them is left. */
  private readonly open: { s: Sortie; reason: Said }[] = [];

  private reassign(s: Sortie, reason: Said): void {
    if (!this.fill(s, reason)) {
      this.open.push({ s, reason });
      this.alert(s.id, s.sysid, s.kind === 'school' ? 'critical' : 'warning', said('no-drone', { sortie: s.id }, [reason]));
    }
  }

  private retryOpen(nowMs: number): void {
    for (const slot of [...this.open]) {
      if (this.fill(slot.s, slot.reason, true)) this.open.splice(this.open.indexOf(slot), 1);
      else if (slot.s.offMs - Math.max(nowMs + 120_000, slot.s.onMs) < 180_000) this.open.splice(this.open.indexOf(slot), 1);
    }
  }

  /** Give the (rest of the) slot to the best candidate. Returns false when no drone can take it. */
  private fill(s: Sortie, reason: Said, retry = false): boolean {
    const nowMs = this.o.clock.now();
    const airborne = s.launchedAtMs !== null || retry;
    // In the air (or late): the rest of the slot. On the ground: the whole slot, as planned.
    const onMs = airborne ? Math.max(nowMs + 120_000, s.onMs) : s.onMs;
    if (s.offMs - onMs < 180_000) {
      if (!retry) this.event(s.id, s.sysid, 'reassign', said('too-little-left', {}, [reason]));
      return true;
    }
    const d = this.daySortie(s);
    const pick = this.candidates(s, nowMs, d?.drone.dock ?? null)[0];
    if (!pick) return false;
    // From another dock the flight to the post is longer: launch earlier by the extra distance (with margin).
    const extraMs = pick.distM > 0 && pick.distM < 1e8 ? (1.2 * pick.distM * 1000) / (d?.drone.cruiseMps ?? 10) + 30_000 : 0;
    const launchMs = airborne ? nowMs + 60_000 : Math.max(s.launchMs - extraMs, nowMs + 60_000);
    const r = newSortie({
      id: `${s.id.replace(/-R\d+$/, '')}-R${++this.replacements}`, kind: s.kind, post: s.post, droneId: pick.droneId, sysid: pick.sysid, plan: s.plan,
      launchMs, onMs, offMs: s.offMs, landMs: s.landMs + Math.max(0, launchMs - s.launchMs), needPct: s.needPct, replaces: s.id,
    });
    this.put(r);
    this.event(r.id, r.sysid, 'reassign', said('reassign-to', { sortie: s.id, drone: s.droneId, to: r.id, toDrone: r.droneId, dock: pick.dock }, [reason]));
    this.apply(r, { type: 'tick', nowMs, gates: this.gatesFor(r, nowMs) });
    return true;
  }
}
