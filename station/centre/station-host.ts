/**
 * The CentreHost of a running station: its drones (the station's snapshot), and — when a patrol runs — the
 * runner's events, alerts and sorties (read from the patrol store, with a cursor kept in the store so that a
 * restarted station sends on from where it was), "go and look here" through the runner's dispatcher, and the
 * daily report. Instructions for the desk are kept (in the store) until someone at the desk acknowledges them.
 *
 * Every request names its Principal; the dispatcher's audit writes it as the actor (`centre:<id>`). At merge
 * the lead may route `request` through the command gateway instead (it has the same shape).
 */
import type { FlightRules } from '../../missions/plan/flight-check.js';
import { isoLocal } from '../../missions/plan/timezone.js';
import { lookRefusal } from '../patrol/look.js';
import type { Clock } from '../../common/clock.js';
import { err, ok, type Result } from '../../common/result.js';
import { stationEvent, vehicleViews } from '../api/views.js';
import type { Station } from '../compose.js';
import { principalName, type Principal } from '../gateway/principal.js';
import type { DayInput } from '../patrol/day.js';
import { buildReport, union } from '../patrol/report.js';
import type { PatrolRunner } from '../patrol/runner.js';
import { groundDistanceM } from '../../common/geo.js';
import type { PatrolStore } from '../patrol/store.js';
import type { Fleet } from '../../missions/fleet.js';
import type { CentreHost, DispatchProgress, HostAlert, HostEvent, HostSortie } from './host.js';
import { readPicture } from './pictures.js';
import type { FleetRow } from './schema.js';
import { said, saidText } from '../patrol/said.js';

export interface StationHostOptions {
  clock: Clock;
  station: Station;
  fleet: Fleet;
  patrol?: { runner: PatrolRunner; store: PatrolStore; day: DayInput };
  /** The jurisdiction's rules (the command gateway's): a request to look inside a no-fly zone is refused. */
  rules?: FlightRules;
  /** Where the desk's instructions are kept without a patrol store (DATA/centre/desk.json; start.ts). */
  store?: { kv(key: string): string | undefined; setKv(key: string, value: string): void };
  log?: (line: string) => void;
  /** DATA/snapshots: the alerts' pictures (station/video/alert-snapshot.ts), sent to the centre with their alerts. */
  snapshotsDir?: string;
  /** A drone's live video for the centre through the station's Janus (serve --janus), when it runs. */
  video?: CentreHost['video'];
}

export interface Instruction { id: string; from: string; text: string; atMs: number; ack: { by: string; atMs: number } | null }

const SAFE_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const safeId = (s: string): string => (SAFE_ID.test(s) ? s : s.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 64) || '_');
const round = (x: number | null, k: number): number | null => (x === null || !Number.isFinite(x) ? null : Math.round(x * k) / k);
const inRange = (x: number | null, lo: number, hi: number): number | null => (x !== null && x >= lo && x <= hi ? x : null);
const LEVELS = new Set(['info', 'warning', 'critical']);

export interface StationHost extends CentreHost {
  instructions(): Instruction[];
  /** The desk acknowledges an instruction (who). */
  acknowledge(id: string, by: string): Result<void>;
  /** Called when an instruction comes or is acknowledged (the desks are told). */
  onInstructions(cb: () => void): () => void;
  /** Stops listening to the station. */
  close(): void;
}

/** A drone's texts (STATUSTEXT) that reach the centre as alerts: at most this many per drone per minute. */
const TEXTS_PER_MINUTE = 6;
/** Held between two drains at most (a drain comes every 200 ms): beyond, the oldest events go, never alerts. */
const MAX_PENDING = 5000;

export function stationHost(o: StationHostOptions): StationHost {
  const names = new Map(o.fleet.drones.map((d) => [d.sysid, d.id] as const));
  const p = o.patrol;
  const store = p ? { kv: (k: string) => p.store.kv(k) ?? undefined, setKv: (k: string, v: string) => p.store.setKv(k, v) } : o.store;
  const kv = <T>(key: string, dflt: T): T => {
    try {
      return store ? ((JSON.parse(store.kv(key) ?? 'null') as T | null) ?? dflt) : dflt;
    } catch {
      return dflt;
    }
  };
  const cursor = kv('centre/cursor', { events: 0, alerts: 0 });
  const instructions: Instruction[] = kv('centre/instructions', []);
  const instructionListeners = new Set<() => void>();
  const saveInstructions = () => {
    if (instructions.length > 200) instructions.splice(0, instructions.length - 200);
    store?.setKv('centre/instructions', JSON.stringify(instructions));
    for (const l of instructionListeners) l();
  };
  const sortieSeen = new Map<string, string>();
  // The plan of the station's day now (station time): the patrol goes on past midnight, so neither the day it
  // started with (p.day) nor the one it already runs from the hand-over before midnight (runner.running). A
  // runner flying another day than the calendar's (a plan given for it): that day.
  const stationDayPlan = (): DayInput | undefined => (p ? (p.runner.dayOn(isoLocal(o.clock.now(), o.fleet.timezone).slice(0, 10)) ?? p.runner.running) : undefined);
  // Coverage so far from the daily report's own arithmetic, at most once a minute.
  let coverage: { atMs: number; pct: number | null } = { atMs: -Infinity, pct: null };
  const coveragePct = (): number | null => {
    if (!p) return null;
    const now = o.clock.now();
    if (now - coverage.atMs >= 60_000) {
      // The report's covered minutes are those flown so far; required so far is the planned patrol up to now.
      const day = stationDayPlan();
      if (!day) return null;
      const r = buildReport(day, p.runner.sortiesOn(day.schedule.date), p.store.alerts(), p.runner.dispatches(), now);
      const soFar = union(day.sorties.filter((d) => d.s.kind === 'patrol').map((d) => [d.onMs, Math.min(d.offMs, now)] as [number, number])).reduce((t, [a, b]) => t + (b - a), 0) / 60_000;
      coverage = { atMs: now, pct: soFar >= 1 ? Math.min(100, (100 * r.patrol_minutes_covered) / soFar) : null };
    }
    return coverage.pct;
  };
  const drone = (sysid: number | null) => (sysid === null ? null : safeId(names.get(sysid) ?? `sys${sysid}`));

  // Without a patrol runner (serve without --patrol) the drones' own events reach the centre: a link lost is
  // an alert (with the drone's last position), regained an event; the station's other alerts (a stream gone
  // silent, two drones on one id, unsigned frames) are alerts; a drone's warning texts are alerts too, at most
  // TEXTS_PER_MINUTE per drone (the rest are counted into the next). With a runner, its record is the source.
  const pending: { events: HostEvent[]; alerts: HostAlert[] } = { events: [], alerts: [] };
  const texts = new Map<number, { windowMs: number; n: number; skipped: number }>();
  const offStation = p
    ? () => undefined
    : o.station.on('*', (e) => {
        const now = o.clock.now();
        const ev = stationEvent(e, now, names);
        if (!ev) return;
        const id = drone(e.sysid);
        if (ev.severity === 'alert' || ev.severity === 'warning') {
          let text = ev.text;
          if (e.type === 'statustext') {
            const t = texts.get(e.sysid) ?? { windowMs: now, n: 0, skipped: 0 };
            if (now - t.windowMs >= 60_000) Object.assign(t, { windowMs: now, n: 0 });
            texts.set(e.sysid, t);
            if (t.n >= TEXTS_PER_MINUTE) return void t.skipped++;
            t.n++;
            if (t.skipped > 0) text = `${text} (+${t.skipped} more texts not sent)`;
            t.skipped = 0;
          }
          const v = vehicleViews(o.station.snapshot(), names).find((x) => x.sysid === e.sysid);
          const lat = v ? inRange(round(v.latDeg, 1e7), -90, 90) : null;
          const lon = v ? inRange(round(v.lonDeg, 1e7), -180, 180) : null;
          const level: HostAlert['level'] = ev.severity === 'warning' ? 'warning' : 'critical';
          pending.alerts.push({ atMs: now, level, text, sortie: null, drone: id, latDeg: lat, lonDeg: lon });
        } else {
          if (e.type === 'statustext') return;
          pending.events.push({ atMs: now, kind: ev.kind.slice(0, 32), text: ev.text, sortie: null, drone: id });
          if (pending.events.length > MAX_PENDING) pending.events.shift();
        }
      });

  return {
    status: () => {
      const vs = o.station.snapshot().vehicles;
      const day = stationDayPlan();
      const sorties = p && day ? p.runner.sortiesOn(day.schedule.date) : [];
      return { name: o.fleet.station, drones: o.fleet.drones.length, dronesUp: vs.filter((v) => v.armed).length, sortiesToday: sorties.length, sortiesFlown: sorties.filter((s) => s.launchedAtMs !== null).length, coveragePct: coveragePct() };
    },
    fleet: () =>
      vehicleViews(o.station.snapshot(), names).slice(0, 200).map((v): FleetRow => {
        const h = v.headingDeg === null ? null : ((v.headingDeg % 360) + 360) % 360;
        return [
          safeId(v.id),
          inRange(round(v.latDeg, 1e7), -90, 90),
          inRange(round(v.lonDeg, 1e7), -180, 180),
          inRange(round(v.altRelM, 10), -1000, 10000),
          inRange(round(h, 1), 0, 360),
          v.mode.slice(0, 32),
          inRange(round(v.batteryPct, 1), 0, 100),
          p ? (p.runner.busyWith(v.sysid)?.id ?? null) : null,
          v.connected ? 'up' : 'lost',
        ];
      }),
    drain: () => {
      if (!p) {
        const out = { events: pending.events, alerts: pending.alerts, sorties: [] };
        pending.events = [];
        pending.alerts = [];
        return out;
      }
      const evRows = p.store.events();
      const alRows = p.store.alerts();
      const events: HostEvent[] = evRows.slice(cursor.events).map((e) => ({ atMs: e.atMs, kind: e.kind, text: e.text, sortie: e.sortie === null ? null : safeId(e.sortie), drone: drone(e.sysid) }));
      const alerts: HostAlert[] = alRows.slice(cursor.alerts).map((a) => {
        let pos: { latDeg?: number; lonDeg?: number } | null = null;
        try {
          pos = a.state ? ((JSON.parse(a.state) as { position?: { latDeg?: number; lonDeg?: number } }).position ?? null) : null;
        } catch {
          pos = null;
        }
        const lat = typeof pos?.latDeg === 'number' ? inRange(round(pos.latDeg, 1e7), -90, 90) : null;
        const lon = typeof pos?.lonDeg === 'number' ? inRange(round(pos.lonDeg, 1e7), -180, 180) : null;
        return { atMs: a.atMs, level: (LEVELS.has(a.level) ? a.level : 'warning') as HostAlert['level'], text: a.text, sortie: a.sortie === null ? null : safeId(a.sortie), drone: drone(a.sysid), latDeg: lat, lonDeg: lon, ...(a.snapshot && o.snapshotsDir ? { snapshot: a.snapshot } : {}) };
      });
      if (events.length || alerts.length) {
        cursor.events = evRows.length;
        cursor.alerts = alRows.length;
        p.store.setKv('centre/cursor', JSON.stringify(cursor));
      }
      const sorties: HostSortie[] = [];
      for (const s of p.runner.list()) {
        const key = `${s.state}|${s.launchedAtMs}|${s.landedAtMs}`;
        if (sortieSeen.get(s.id) === key) continue;
        sortieSeen.set(s.id, key);
        sorties.push({ id: safeId(s.id), kind: s.kind, drone: safeId(s.droneId), state: s.state, launchedAtMs: s.launchedAtMs === null ? null : Math.round(s.launchedAtMs), landedAtMs: s.landedAtMs === null ? null : Math.round(s.landedAtMs), reason: s.reason ?? null });
      }
      return { events, alerts, sorties };
    },
    request: (who: Principal, req) => {
      if (!p) return err('unsupported', 'no scheduled patrol runs on this station: it cannot send a drone');
      if (p.runner.dispatches().some((d) => d.id === req.id)) return err('duplicate', `request ${req.id} is already known`);
      const refused = lookRefusal(o.rules, req);
      if (refused) return err('refused', refused);
      p.runner.request({ id: req.id, latDeg: req.latDeg, lonDeg: req.lonDeg, radiusM: req.radiusM, priority: req.priority, holdS: req.holdS, from: principalName(who) });
      if (req.text) p.runner.event(null, null, 'dispatch', said('centre-note', { id: req.id, from: principalName(who), text: req.text.slice(0, 500) }));
      o.log?.(`kongxun: centre: ${principalName(who)} asks to look at ${req.latDeg.toFixed(5)}, ${req.lonDeg.toFixed(5)} (${req.id})`);
      return ok(undefined);
    },
    progress: (id): DispatchProgress | null => {
      const r = p?.runner.dispatches().find((d) => d.id === id);
      if (!r) return null;
      const base = { drone: r.droneId === null ? null : safeId(r.droneId), etaS: null, reason: r.reason };
      switch (r.state) {
        case 'queued':
          return { ...base, state: 'queued' };
        case 'en_route': {
          const v = r.sysid === null ? undefined : p!.runner.snap(r.sysid);
          const fd = o.fleet.drones.find((d) => d.sysid === r.sysid);
          const from = v?.position ?? v?.home;
          const distM = from ? groundDistanceM(from, r.request) : null;
          // A drone in its dock first climbs (about 30 s to 60 m) before it flies there at cruise speed.
          const etaS = distM === null || !fd ? null : Math.min(86400, Math.round(distM / fd.cruiseMps + (r.source === 'dock' ? 30 : 0)));
          return { ...base, state: 'accepted', etaS };
        }
        case 'on_scene':
          return { ...base, state: 'arrived' };
        case 'returning':
          return { ...base, state: 'looked' };
        case 'resumed':
        case 'done':
          return { ...base, state: 'returned' };
        case 'failed':
          return { ...base, state: 'failed' };
        case 'unserved':
          return { ...base, state: 'refused', reason: r.reason ?? 'no suitable drone' };
      }
    },
    instruct: (who, id, text, from) => {
      if (instructions.some((i) => i.id === id)) return err('duplicate', `instruction ${id} is already known`);
      // From whom: the centre (as the broker named it) and the person there who sent it.
      instructions.push({ id, from: from ? `${principalName(who)} (${from.slice(0, 100)})` : principalName(who), text, atMs: o.clock.now(), ack: null });
      saveInstructions();
      p?.runner.event(null, null, 'instruction', said('centre-note', { id, from: principalName(who), text: text.slice(0, 500) }));
      o.log?.(`kongxun: centre: instruction ${id} from ${principalName(who)}: ${text}`);
      return ok(undefined);
    },
    acknowledged: (id) => {
      const i = instructions.find((x) => x.id === id);
      return i?.ack ? { by: i.ack.by } : null;
    },
    instructions: () => instructions.map((i) => ({ ...i })),
    ...(o.snapshotsDir ? { picture: (file: string) => readPicture(o.snapshotsDir!, file) } : {}),
    ...(o.video ? { video: o.video } : {}),
    acknowledge: (id, by) => {
      const i = instructions.find((x) => x.id === id);
      if (!i) return err('not-found', `no instruction ${id}`);
      if (i.ack) return ok(undefined);
      i.ack = { by, atMs: o.clock.now() };
      saveInstructions();
      p?.runner.event(null, null, 'instruction', saidText(`${id} acknowledged by ${by}`));
      return ok(undefined);
    },
    close: () => offStation(),
    onInstructions: (cb) => {
      instructionListeners.add(cb);
      return () => instructionListeners.delete(cb);
    },
    report: (_who, date) => {
      if (!p) return err('unsupported', 'no scheduled patrol runs on this station: there is no daily report');
      const asked = date ?? isoLocal(o.clock.now(), o.fleet.timezone).slice(0, 10);
      const day = date !== null ? p.runner.dayOn(date) : stationDayPlan();
      if (!day) return err('not-found', `this station runs the day ${p.runner.running.schedule.date}; the report of ${asked} is not here`);
      const today = day.schedule.date;
      const r = buildReport(day, p.runner.sortiesOn(today), p.store.alerts(), p.runner.dispatches(), o.clock.now());
      return ok({ date: today, report: r as unknown as Record<string, unknown> });
    },
  };
}
