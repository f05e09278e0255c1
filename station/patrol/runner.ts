/**
 * The patrol runner: binds one sortie machine (sortie.ts) per sortie of the day to the station and its clock.
 * Every `tickMs` it feeds each sortie the time and its gates, watches the drones in the air (mission progress,
 * battery, link, mode, GPS, landing) and turns what it sees into machine events; the machines' effects
 * (upload, launch, hold, resume, rtl, alert, reassign) are carried out by effects.ts, every command audited.
 *
 * The rules — relief, battery limits and handover, failsafes, reassignment, a late start — are pure functions
 * in policy.ts; this file gathers their inputs and carries out what they return.
 * Restart: sorties are read back from the store; those on the ground prepare again, those in the air are
 * watched again; a sortie that got MISSION_START is never launched again. The restart itself is recorded (run-mark.ts):
 * after an unclean stop a 'restart' event and a warning alert with the time it was down, after a clean one a notice.
 * Records: `records()` (the station's StorageHealth) is a launch gate: while the station cannot keep its
 * records, no sortie launches; drones in the air fly on.
 * A drone taken over by the pilot is left alone until released.
 */
import { english, said, saidText, type Said } from './said.js';
import type { Clock, TimerId } from '../../common/clock.js';
import type { Station } from '../compose.js';
import type { VehicleSnapshot } from '../vehicle/vehicle-state.js';
import { isoLocal } from '../../missions/plan/timezone.js';
import { audited, type ActionContext } from './actions.js';
import { SortieEffects } from './effects.js';
import { quirksFor } from '../../mavlink/quirks.js';
import type { DayInput, DaySortie } from './day.js';
import { Dispatcher, type LookRequest, type DispatchRecord } from './dispatch.js';
import type { PatrolHost } from './host.js';
import { evaluateGates } from './gates.js';
import { WARMUP_MS, candidates, streamNote, missedAtStart, takeoverReassigns, watchSortie, type Candidate, type FleetView, type WatchMove } from './policy.js';
import { ACTIVE_STATES, AIRBORNE_STATES, DEFAULT_TIMING, FINAL_STATES, newSortie, restoredSortie, stepSortie, type GateReport, type Sortie, type SortieEvent, type SortieTiming } from './sortie.js';
import { DroneFlags } from './flags.js';
import { DroneWatches } from './watches.js';
import { Reassigner } from './reassign.js';
import { ALIVE_EVERY_MS, parseRunMark, restartNote, type RunMark } from './run-mark.js';
import type { AlertRow, PatrolStore } from './store.js';
import type { CommandGateway } from '../gateway/gateway.js';
import { copterReturnParams } from '../../missions/plan/copter-return.js';

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
  /** Why new launches must wait for the station's records (station/storage/health.ts), or null. */
  records?: () => string | null;
  /** The picture of the moment for an alert of this drone (station/video/alert-snapshot.ts), when it has video. */
  snapshot?: (sysid: number) => AlertRow['snapshot'];
}

const dayKeyOf = (d: DayInput): string => `${d.schedule.station}/${d.schedule.date}`;

/** A sortie of the day plan, new: scheduled. */
const sortieOf = (d: DaySortie): Sortie =>
  newSortie({ id: d.s.id, kind: d.s.kind, post: d.s.kind === 'school' ? (d.s.targets[0] ?? d.s.id) : 'patrol', droneId: d.drone.id, sysid: d.drone.sysid, plan: d.s.plan, launchMs: d.launchMs, onMs: d.onMs, offMs: d.offMs, landMs: d.landMs, needPct: Math.ceil(d.s.battery_percent) });

export class PatrolRunner {
  private readonly sorties = new Map<string, Sortie>();
  private readonly watches: DroneWatches;
  /** Maintenance flags and the pilot's takeovers, kept in the store: a drone set aside stays so after a restart. */
  private readonly flags: DroneFlags;
  private readonly timing: SortieTiming;
  private readonly ctx: ActionContext;
  /** The day the runner runs now (nextDay moves it on) and its store key. */
  private day: DayInput;
  private dayKey: string;
  /** The day of each sortie (its plan files and its key in the store): one of the previous day may still fly. */
  private readonly dayOf = new Map<string, DayInput>();
  private timer: TimerId | undefined;
  private offStreams: (() => void) | undefined;
  private readonly startedMs: number;
  private readonly reassigner: Reassigner;
  /** The machines' effects carried out on the drones (effects.ts). */
  private readonly effects: SortieEffects;
  private stopped = false;
  private run: RunMark;
  readonly dispatcher: Dispatcher;
  readonly reservePct: number;

  constructor(private readonly o: RunnerOptions) {
    this.timing = { ...DEFAULT_TIMING, ...o.timing };
    this.startedMs = o.clock.now();
    this.day = o.day;
    this.dayKey = dayKeyOf(o.day);
    this.reservePct = o.day.fleet.reservePct;
    this.watches = new DroneWatches(o.station);
    this.ctx = { clock: o.clock, station: o.station, actor: o.actor ?? 'patrol-runner', gateway: o.gateway };
    this.flags = new DroneFlags(o.store);
    const saved = o.store.sorties(this.dayKey);
    if (saved.length) for (const s of saved) {
      const r = restoredSortie(s);
      this.dayOf.set(s.id, o.day);
      this.sorties.set(s.id, r);
      this.remember(o.day, r);
    }
    else this.addDay(o.day);
    // One face of the runner for its helpers (host.ts): each takes the part it uses.
    const host: PatrolHost = {
      clock: o.clock,
      reservePct: this.reservePct,
      sorties: () => this.list(),
      view: (sysid) => this.snap(sysid),
      isTakenOver: (sysid) => this.isTakenOver(sysid),
      candidates: (slot, nowMs, fromDock) => this.candidates(slot, nowMs, fromDock),
      planned: (slot) => {
        const d = this.daySortie(slot);
        return d ? { dock: d.drone.dock, cruiseMps: d.drone.cruiseMps } : undefined;
      },
      put: (slot) => this.put(slot),
      apply: (slot, e) => this.apply(slot, e),
      gates: (slot, nowMs) => this.gatesFor(slot, nowMs),
      event: (...a) => this.event(...a),
      alert: (...a) => this.alert(...a),
    };
    this.reassigner = new Reassigner(host, [...this.sorties.values()].filter((s) => s.replaces).length);
    this.effects = new SortieEffects({
      ctx: this.ctx, watches: this.watches, drones: o.day.fleet.drones, view: host.view, alert: host.alert,
      daySortie: (s) => this.daySortie(s), reassign: (s, reason) => this.reassigner.reassign(s, reason), later: (s, e) => this.later(s, e),
    });
    this.dispatcher = new Dispatcher({ ctx: this.ctx, host, store: o.store, key: this.dayKey });
    this.run = { startedMs: o.clock.now(), aliveMs: o.clock.now(), stoppedMs: null };
    this.noteRestart();
    this.o.store.setKv('run', JSON.stringify(this.run));
    // A person's flight command or upload through the gateway takes a drone of the patrol over (the desk shows it).
    o.gateway.setPatrol({
      holds: (sysid) => (this.isTakenOver(sysid) ? null : ((id) => (id ? `patrol sortie ${id}` : 'the patrol'))(this.busyWith(sysid)?.id)),
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
  private markMissed(nowMs: number, only?: Set<string>): void {
    const missed = missedAtStart([...this.sorties.values()].filter((s) => !only || only.has(s.id)), nowMs);
    for (const s of missed) {
      this.put({ ...s, state: 'missed', reason: 'station not running' });
      this.event(s.id, s.sysid, 'missed', said('missed', { sortie: s.id, drone: s.droneId, from: this.hhmm(s.launchMs), to: this.hhmm(s.landMs) }));
    }
    if (!missed.length) return;
    this.alert(null, null, 'warning', said('missed-summary', { count: missed.length, until: this.hhmm(nowMs), first: missed[0]!.id, firstAt: this.hhmm(missed[0]!.launchMs), last: missed.at(-1)!.id, lastAt: this.hhmm(missed.at(-1)!.landMs) }));
  }

  private hhmm(atMs: number): string {
    return isoLocal(atMs, this.day.schedule.timezone).slice(11, 16);
  }

  /** The day the runner runs now (schedule.json's date, station time). */
  get date(): string {
    return this.day.schedule.date;
  }

  /** The day plan the runner runs now (nextDay moves it on). */
  get running(): DayInput {
    return this.day;
  }

  /** The sorties of a day, new (scheduled), in the day and the store. */
  private addDay(day: DayInput): void {
    for (const d of day.sorties) {
      this.dayOf.set(d.s.id, day);
      this.put(sortieOf(d));
    }
  }

  /**
   * Go on into the next day (next-day.ts): its sorties join the runner, the previous day's done ones leave it
   * (they stay in the store, under their day, for the report and the replay), and the previous day's sorties
   * still under way — a drone in the air on yesterday's last sortie — fly to their end under their own day.
   * The planner numbers each day P001…, so yesterday's P072 may still be in the air when today's P072 (due
   * about a day later) joins: a new sortie whose id is still under way waits outside the runner until that one
   * is done (`admit`, each tick), so the two are never mixed up. Sorties of the new day already too late are
   * missed, as at a late start; a new day the store already has (a restart) is resumed from it.
   * Refused (a reason) when the day is not after the one the runner runs.
   */
  nextDay(day: DayInput): string | null {
    if (day.schedule.date <= this.day.schedule.date) return `the runner already runs ${this.day.schedule.date}`;
    this.day = day;
    this.dayKey = dayKeyOf(day);
    // A station restarted on the new day with the previous day's folder: the new day's sorties are in the store.
    const saved = this.o.store.sorties(this.dayKey);
    this.waiting.push(...(saved.length ? saved.map(restoredSortie) : day.sorties.map(sortieOf)).map((s) => ({ s, day })));
    this.event(null, null, saved.length ? 'resume' : 'start', saved.length ? said('resume', { count: saved.length, file: this.o.store.file }) : said('start', { day: this.dayKey, count: day.sorties.length }));
    this.older = true;
    this.admit(this.o.clock.now());
    return null;
  }

  /** Sorties of a previous day are still in the runner, or of the new day still waiting. */
  private older = false;
  /** Sorties of a new day waiting for their id to be free (nextDay). */
  private waiting: { s: Sortie; day: DayInput }[] = [];

  /** The previous days' done sorties leave the runner; the waiting sorties whose id is free join it. */
  private admit(nowMs: number): void {
    if (!this.older) return;
    let left = false;
    for (const [id, s] of this.sorties) {
      if (this.dayOf.get(id) === this.day) continue;
      if (!FINAL_STATES.has(s.state)) left = true;
      else {
        this.sorties.delete(id);
        this.dayOf.delete(id);
      }
    }
    const joined = new Set<string>();
    this.waiting = this.waiting.filter(({ s, day }) => {
      if (this.sorties.has(s.id)) return true;
      this.dayOf.set(s.id, day);
      this.sorties.set(s.id, s);
      this.remember(day, s);
      this.o.store.saveSortie(dayKeyOf(day), s);
      joined.add(s.id);
      return false;
    });
    if (joined.size) this.markMissed(nowMs, joined);
    this.older = left || this.waiting.length > 0;
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
    const note = restartNote(parseRunMark(this.o.store.kv('run')), this.run.startedMs);
    if (!note) return;
    this.event(null, null, 'restart', note.said);
    this.alert(null, null, note.level, note.said);
  }

  start(): void {
    this.timer ??= this.o.clock.setInterval(() => this.tick(), this.o.tickMs ?? 1000);
    this.offStreams ??= this.o.station.on('*', (e) => {
      if (e.type !== 'stream-missing' && e.type !== 'stream-restored') return;
      if (![...this.sorties.values()].some((s) => s.sysid === e.sysid)) return;
      const s = this.busyWith(e.sysid);
      const n = streamNote(e, s);
      if (n.level === null) this.event(s?.id ?? null, e.sysid, 'stream-restored', n.said);
      else this.alert(s?.id ?? null, e.sysid, n.level, n.said);
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
    this.watches.close();
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

  /**
   * Every sortie of one day (YYYY-MM-DD) as last seen, including those that have left the runner since the next
   * day began: what the consoles showing that day's plan match its rows with. The planner numbers each day
   * P001…, so `list()` around midnight holds one day's P001 where the screen shows the other's.
   */
  sortiesOn(date: string): Sortie[] {
    return [...(this.byDay.get(date)?.values() ?? [])];
  }

  /** The plan of one of the days the runner has run or runs (the two latest), by its date. */
  dayOn(date: string): DayInput | undefined {
    return this.day.schedule.date === date ? this.day : this.daysSeen.get(date);
  }
  private readonly daysSeen = new Map<string, DayInput>();

  /** The last state of each sortie by its day, for the two latest days (sortiesOn). */
  private readonly byDay = new Map<string, Map<string, Sortie>>();
  private remember(day: DayInput, s: Sortie): void {
    const date = day.schedule.date;
    let m = this.byDay.get(date);
    if (!m) {
      this.byDay.set(date, (m = new Map()));
      this.daysSeen.set(date, day);
      for (const old of [...this.byDay.keys()].sort().slice(0, -2)) {
        this.byDay.delete(old);
        this.daysSeen.delete(old);
      }
    }
    m.set(s.id, s);
  }

  dispatches(): DispatchRecord[] {
    return this.dispatcher.records();
  }
  request(r: LookRequest): string {
    return this.dispatcher.request(r);
  }
  isInMaintenance(sysid: number): boolean {
    return this.flags.has('maintenance', sysid);
  }
  flagMaintenance(sysid: number, on: boolean): void {
    this.flags.set('maintenance', sysid, on);
    this.event(null, sysid, 'maintenance', said(on ? 'maintenance' : 'maintenance-cleared'));
  }
  /** The pilot takes a drone: its sortie makes no move until `release`. */
  takeover(sysid: number): void {
    if (!this.flags.set('taken-over', sysid, true)) return;
    this.event(null, sysid, 'takeover', said('taken-over'));
    for (const s of this.sorties.values()) {
      if (s.sysid !== sysid) continue;
      // On the ground the slot goes to another drone; in the air the sortie waits for the release.
      if (takeoverReassigns(s)) {
        this.put({ ...s, state: 'reassigned', reason: 'the pilot took the drone over' });
        this.reassigner.reassign(s, said('taken-over'));
      } else if (ACTIVE_STATES.has(s.state)) this.apply(s, { type: 'takeover' });
    }
  }
  release(sysid: number): void {
    this.flags.set('taken-over', sysid, false);
    for (const s of this.sorties.values()) if (s.sysid === sysid && s.takenOver) this.apply(s, { type: 'release' });
  }
  isTakenOver(sysid: number): boolean {
    return this.flags.has('taken-over', sysid);
  }

  /**
   * What the station saw of each drone this tick: one view a drone a tick, not one per question, and only of the
   * drones asked about (a tick runs to its end without a frame arriving, so a view taken later in it is the same).
   */
  private seen: Map<number, VehicleSnapshot | undefined> | undefined;
  snap(sysid: number): VehicleSnapshot | undefined {
    if (!this.seen) return this.o.station.vehicle(sysid)?.view();
    if (this.seen.has(sysid)) return this.seen.get(sysid);
    // The system's last vehicle in the station's list, as the station's snapshot keyed by sysid gave it.
    let last: ReturnType<Station['vehicles']>[number] | undefined;
    for (const v of this.o.station.vehicles()) if (v.sysid === sysid) last = v;
    const view = last?.view();
    this.seen.set(sysid, view);
    return view;
  }

  /** The active sortie of a drone, if any. */
  busyWith(sysid: number, except?: string): Sortie | undefined {
    for (const s of this.sorties.values()) if (s.sysid === sysid && s.id !== except && (ACTIVE_STATES.has(s.state) || s.state === 'landed')) return s;
    return undefined;
  }

  private put(s: Sortie): void {
    // A stand-in (reassignment) belongs to the day of the sortie it replaces.
    let d = this.dayOf.get(s.id);
    if (!d) this.dayOf.set(s.id, (d = (s.replaces !== null ? this.dayOf.get(s.replaces) : undefined) ?? this.day));
    this.sorties.set(s.id, s);
    this.remember(d, s);
    this.o.store.saveSortie(dayKeyOf(d), s);
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
    return (this.dayOf.get(s.id) ?? this.day).plans.get(s.plan);
  }

  apply(s: Sortie, e: SortieEvent): void {
    const before = s.state;
    const { sortie, effects } = stepSortie(s, e, this.timing);
    if (sortie !== s) this.put(sortie);
    if (sortie.state !== before) this.event(sortie.id, sortie.sysid, 'state', sortie.reason ? said('state-why', { from: before, to: sortie.state }, [saidText(sortie.reason)]) : said('state', { from: before, to: sortie.state }));
    for (const fx of effects) this.effects.carryOut(sortie, fx);
  }

  /** Feed an event to the sortie's current version (it may have moved on while a command ran). */
  private later(s: Sortie, e: SortieEvent): void {
    if (this.stopped) return;
    const now = this.sorties.get(s.id);
    if (now) this.apply(now, e);
  }

  private gatesFor(s: Sortie, nowMs: number): GateReport {
    const info = this.o.station.vehicle(s.sysid);
    return evaluateGates({
      nowMs, snap: this.snap(s.sysid), lost: info?.lost ?? true, needPct: s.needPct, reservePct: this.reservePct,
      maintenance: this.isInMaintenance(s.sysid), missionVerified: this.effects.verifiedOn(s.sysid, s.plan),
      warmingUntilMs: this.warmingUntil(s.sysid, nowMs),
      busyWith: this.isTakenOver(s.sysid) ? 'the pilot' : (this.busyWith(s.sysid, s.id)?.id ?? this.dispatcher.busy(s.sysid)),
      records: this.o.records?.() ?? null,
    });
  }

  /** One look at the drone of a sortie in the air (policy.ts), its moves carried out. */
  private monitor(s: Sortie, nowMs: number): void {
    const v = this.snap(s.sysid);
    const d = this.daySortie(s);
    if (!v || !d) return;
    const { watch, moves } = watchSortie({
      s, v, nowMs, quirks: quirksFor(v.autopilot), lost: this.o.station.vehicle(s.sysid)?.lost ?? false, takenOver: this.isTakenOver(s.sysid),
      dispatched: this.dispatcher.busy(s.sysid) !== null, watch: this.watches.get(s.sysid), marks: d.marks,
      planDock: { latDeg: d.plan.home.lat, lonDeg: d.plan.home.lon }, cruiseMps: d.drone.cruiseMps, reservePct: this.reservePct, sorties: this.sorties.values(),
      copter: copterReturnParams(this.o.station.vehicle(s.sysid)?.copterParams).params,
    });
    this.watches.set(s.sysid, watch);
    for (const m of moves) this.move(s.id, m);
  }

  private move(id: string, m: WatchMove): void {
    const s = this.sorties.get(id)!;
    switch (m.type) {
      case 'event':
        return this.apply(s, m.event);
      case 'landed-away':
        this.flags.set('maintenance', s.sysid, true);
        return this.alert(s.id, s.sysid, 'critical', said('landed-away', { sortie: s.id, drone: s.droneId, metres: Math.round(m.distM) }));
      case 'hold-again':
        return this.effects.setCurrent(s, 'hold', `mission item ${this.daySortie(s)?.marks.holdSeq} (hold for relief, again)`);
      case 'bring-forward':
        this.put({ ...m.next, launchMs: m.launchMs, onMs: m.onMs });
        return this.event(m.next.id, m.next.sysid, 'handover', said('handover-early', { seconds: Math.round((m.next.launchMs - m.launchMs) / 1000), sortie: s.id, drone: s.droneId }));
    }
  }

  private tick(): void {
    if (this.stopped) return;
    const nowMs = this.o.clock.now();
    if (nowMs - this.run.aliveMs >= ALIVE_EVERY_MS) {
      this.run.aliveMs = nowMs;
      this.o.store.setKv('run', JSON.stringify(this.run));
    }
    this.seen = new Map();
    try {
      this.admit(nowMs);
      for (const s of [...this.sorties.values()].sort((a, b) => a.launchMs - b.launchMs)) {
        const cur = this.sorties.get(s.id)!;
        if (FINAL_STATES.has(cur.state)) continue;
        if (AIRBORNE_STATES.has(cur.state)) this.monitor(cur, nowMs);
        else if (cur.state === 'scheduled' && nowMs < cur.launchMs - this.timing.prepLeadMs) continue;
        else if (cur.state !== 'uploading') this.apply(cur, { type: 'tick', nowMs, gates: this.gatesFor(cur, nowMs) });
      }
      this.reassigner.retry(nowMs);
      this.dispatcher.tick(nowMs);
    } finally {
      this.seen = undefined;
    }
  }

  /** Drones that could fly `s` now (policy.ts `candidates`), from what the station sees of each. */
  candidates(s: Pick<Sortie, 'kind' | 'needPct' | 'landMs'>, nowMs: number, fromDock: string | null): Candidate[] {
    const records = this.o.records?.() ?? null;
    const fleet: FleetView[] = this.day.fleet.drones.map((drone) => {
      const snap = this.snap(drone.sysid);
      const gates = evaluateGates({ nowMs, snap, lost: this.o.station.vehicle(drone.sysid)?.lost ?? true, needPct: s.needPct, reservePct: this.reservePct, maintenance: this.isInMaintenance(drone.sysid), missionVerified: true, busyWith: this.busyWith(drone.sysid)?.id ?? null, records });
      return { drone, snap, gates, unavailable: this.isTakenOver(drone.sysid) || this.dispatcher.busy(drone.sysid) !== null };
    });
    return candidates(s, fleet, this.sorties.values(), fromDock);
  }
}
