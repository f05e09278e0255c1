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
import { lookRefusal } from '../patrol/look.js';
import type { Clock } from '../../mavlink/clock.js';
import { err, ok, type Result } from '../../mavlink/result.js';
import { vehicleViews } from '../api/views.js';
import type { Station } from '../compose.js';
import { principalName, type Principal } from '../gateway/principal.js';
import type { DayInput } from '../patrol/day.js';
import { buildReport, union } from '../patrol/report.js';
import type { PatrolRunner } from '../patrol/runner.js';
import { distanceM } from '../patrol/policy.js';
import type { PatrolStore } from '../patrol/store.js';
import type { Fleet } from '../../missions/fleet.js';
import type { CentreHost, DispatchProgress, HostAlert, HostEvent, HostSortie } from './host.js';
import type { FleetRow } from './schema.js';

export interface StationHostOptions {
  clock: Clock;
  station: Station;
  fleet: Fleet;
  patrol?: { runner: PatrolRunner; store: PatrolStore; day: DayInput };
  /** The jurisdiction's rules (the command gateway's): a request to look inside a no-fly zone is refused. */
  rules?: FlightRules;
  log?: (line: string) => void;
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
}

export function stationHost(o: StationHostOptions): StationHost {
  const names = new Map(o.fleet.drones.map((d) => [d.sysid, d.id] as const));
  const p = o.patrol;
  const kv = <T>(key: string, dflt: T): T => {
    try {
      return p ? ((JSON.parse(p.store.kv(key) ?? 'null') as T | null) ?? dflt) : dflt;
    } catch {
      return dflt;
    }
  };
  const cursor = kv('centre/cursor', { events: 0, alerts: 0 });
  const instructions: Instruction[] = kv('centre/instructions', []);
  const saveInstructions = () => p?.store.setKv('centre/instructions', JSON.stringify(instructions.slice(-200)));
  const sortieSeen = new Map<string, string>();
  // Coverage so far from the daily report's own arithmetic, at most once a minute.
  let coverage: { atMs: number; pct: number | null } = { atMs: -Infinity, pct: null };
  const coveragePct = (): number | null => {
    if (!p) return null;
    const now = o.clock.now();
    if (now - coverage.atMs >= 60_000) {
      // The report's covered minutes are those flown so far; required so far is the planned patrol up to now.
      const r = buildReport(p.day, p.runner.list(), p.store.alerts(), p.runner.dispatches(), now);
      const soFar = union(p.day.sorties.filter((d) => d.s.kind === 'patrol').map((d) => [d.onMs, Math.min(d.offMs, now)] as [number, number])).reduce((t, [a, b]) => t + (b - a), 0) / 60_000;
      coverage = { atMs: now, pct: soFar >= 1 ? Math.min(100, (100 * r.patrol_minutes_covered) / soFar) : null };
    }
    return coverage.pct;
  };
  const drone = (sysid: number | null) => (sysid === null ? null : safeId(names.get(sysid) ?? `sys${sysid}`));

  return {
    status: () => {
      const vs = o.station.snapshot().vehicles;
      const sorties = p?.runner.list() ?? [];
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
      if (!p) return { events: [], alerts: [], sorties: [] };
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
        return { atMs: a.atMs, level: (LEVELS.has(a.level) ? a.level : 'warning') as HostAlert['level'], text: a.text, sortie: a.sortie === null ? null : safeId(a.sortie), drone: drone(a.sysid), latDeg: lat, lonDeg: lon };
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
      if (req.text) p.runner.event(null, null, 'dispatch', `${req.id} from ${principalName(who)}: ${req.text.slice(0, 500)}`);
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
          const distM = from ? distanceM(from, r.request) : null;
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
    instruct: (who, id, text) => {
      if (instructions.some((i) => i.id === id)) return err('duplicate', `instruction ${id} is already known`);
      instructions.push({ id, from: principalName(who), text, atMs: o.clock.now(), ack: null });
      saveInstructions();
      p?.runner.event(null, null, 'instruction', `${id} from ${principalName(who)}: ${text.slice(0, 500)}`);
      o.log?.(`kongxun: centre: instruction ${id} from ${principalName(who)}: ${text}`);
      return ok(undefined);
    },
    acknowledged: (id) => {
      const i = instructions.find((x) => x.id === id);
      return i?.ack ? { by: i.ack.by } : null;
    },
    instructions: () => instructions.map((i) => ({ ...i })),
    acknowledge: (id, by) => {
      const i = instructions.find((x) => x.id === id);
      if (!i) return err('not-found', `no instruction ${id}`);
      i.ack ??= { by, atMs: o.clock.now() };
      saveInstructions();
      return ok(undefined);
    },
    report: (_who, date) => {
      if (!p) return err('unsupported', 'no scheduled patrol runs on this station: there is no daily report');
      const today = p.day.schedule.date;
      if (date !== null && date !== today) return err('not-found', `this station runs the day ${today}; the report of ${date} is not here`);
      const r = buildReport(p.day, p.runner.list(), p.store.alerts(), p.runner.dispatches(), o.clock.now());
      return ok({ date: today, report: r as unknown as Record<string, unknown> });
    },
  };
}
