/**
 * A whole patrol day on the built-in simulated fleet, on virtual time: one FakeClock drives the SimFleet
 * (one drone per fleet-file drone, at its dock), the real station over memory links and the runner; the
 * clock is advanced as fast as the machine allows, with a macrotask turn after each step so the station's
 * async flows run as on a real clock. Docks charge a landed, disarmed drone from empty to full in its
 * charge_minutes. An observer samples the simulator itself (not the station) every 2 s: what the report
 * is checked against. `restart()` closes the station and the runner and builds them again on new links
 * (the drones fly on), as a station restarted mid-day; `restart({ crash: true })` as one that died (kill -9,
 * power cut): its store is closed first, so nothing the dying station would still write reaches the disk.
 * With `storage`, the station's records are watched as in the service (station/storage/health.ts): tlogs are
 * recorded, failures become the runner's alerts and its launch gate.
 *
 * With `record` (as `kongxun patrol --sim` runs it) every frame is recorded to DATA/tlogs as a real station
 * records it (on the virtual clock's time), so the simulated day's flights are in `kongxun flights` and the replay.
 *
 * Stream rates are lowered for the day (position 1 Hz, attitude and HUD off): the runner needs no more; the
 * simulator steps its physics every 100 ms instead of 50 ms. Both only to keep a day within minutes of wall time.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../common/clock.js';
import { ok, type Result } from '../../common/result.js';
import { memoryPair } from '../../mavlink/transport/memory.js';
import type { Fleet } from '../../missions/fleet.js';
import { SimFleet, type SimDock } from '../../sitl/fleet.js';
import type { FaultRule } from '../../sitl/faults.js';
import { createStation, type Station, type StationOptions } from '../compose.js';
import { StorageHealth, type StorageHealthOptions, type StorageNotice } from '../storage/health.js';
import { loadDay, type DayInput } from './day.js';
import type { PatrolRunner } from './runner.js';
import { startPatrol, type Patrol, type PatrolStart } from './start.js';
import { openGateway, type CommandGateway } from '../gateway/gateway.js';
import type { PatrolStore, PatrolStoreOptions } from './store.js';

export const DAY_STREAM_RATES_HZ: Record<string, number> = {
  GLOBAL_POSITION_INT: 1, ATTITUDE: 0, VFR_HUD: 0, SYS_STATUS: 1, GPS_RAW_INT: 1, BATTERY_STATUS: 0.2, EXTENDED_SYS_STATE: 1, EKF_STATUS_REPORT: 0.5,
};

export interface SimDayOptions {
  planDir: string;
  fleet: Fleet;
  /** The station's docks (StationFiles.geography.docks), where the simulator stands the drones. */
  docks: readonly SimDock[];
  /** The jurisdiction GeoJSON as read (for the gateway's flight rules). */
  stationGeoJson: unknown;
  /** Fault rules with `atMs` (virtual clock time) instead of `atS`; converted for the simulator. */
  faults?: (FaultRule & { atMs?: number })[];
  dataDir?: string;
  /** Clock step, ms. Default 250. */
  stepMs?: number;
  /** The simulator's physics step, ms. Default 100 (the simulator's own default is 50). */
  simTickMs?: number;
  seed?: number;
  onAlert?: (text: string) => void;
  /** Watch the records: tlogs on, a StorageHealth on the day's clock reporting to the runner (and gating launches). */
  storage?: Omit<StorageHealthOptions, 'clock' | 'dataDir'> & { recorder?: StationOptions['recorder']; store?: Omit<PatrolStoreOptions, 'health'> };
  /** Clock start (a station started in the middle of the day). Default: 15 min before the first launch is prepared. */
  startAtMs?: number;
  /** Record every frame as a real station does (DATA/tlogs, on virtual time), so `kongxun flights` and the
   * replay show the day's flights: `kongxun patrol --sim` does. Default false (tests that do not read them). */
  record?: boolean;
  /** The patrol goes on into the next days, each planned by this (start.ts `nextDay`). */
  nextDay?: PatrolStart['nextDay'];
}

export interface DroneObservation {
  sysid: number;
  id: string;
  flightS: number;
  takeoffs: number;
  /** Battery used over the day in full packs (sum of the drops while armed / 100). */
  cycles: number;
  minPctAirborne: number;
  minPctAtLanding: number;
  /** [takeoff, landing) intervals, clock ms. */
  flights: [number, number][];
  /** Where each flight ended: clock ms and metres from the drone's own dock (where the simulator started it). */
  landings: { atMs: number; fromDockM: number }[];
}

/** The observer's (and the dock charger's) period. */
const OBSERVE_MS = 2000;
const turn = () => new Promise<void>((r) => setImmediate(r));

export class SimDay {
  station!: Station;
  store!: PatrolStore;
  /** The station's command gateway and its audit (DATA/audit.sqlite): every command of the runner. */
  gateway!: CommandGateway;
  runner!: PatrolRunner;
  /** The patrol of the current station run (startPatrol). */
  patrol!: Patrol;
  readonly observed = new Map<number, DroneObservation>();
  private readonly links: { close(): Promise<void> }[] = [];
  private readonly lastPct = new Map<number, { pct: number; flying: boolean; armed: boolean }>();
  restarts = 0;
  /** The station's records when `storage` was given, and every notice it raised. */
  health: StorageHealth | undefined;
  readonly notices: StorageNotice[] = [];

  private constructor(readonly clock: FakeClock, readonly fleet: SimFleet, readonly day: DayInput, readonly dataDir: string, private readonly o: SimDayOptions) {}

  /** Clock start: 15 minutes before the first launch's preparation (or `startAtMs`). */
  static async create(o: SimDayOptions): Promise<Result<SimDay>> {
    const probe = await loadDay(o.planDir, o.fleet);
    if (!probe.ok) return probe;
    const first = Math.min(...probe.value.sorties.map((s) => s.launchMs));
    const startMs = o.startAtMs ?? first - 15 * 60_000;
    const clock = new FakeClock(startMs);
    const faults = (o.faults ?? []).map(({ atMs, ...r }) => (atMs !== undefined ? { ...r, atS: (atMs - startMs) / 1000 } : r) as FaultRule);
    const created = SimFleet.create({ drones: o.fleet.drones.length, clock, tcp: false, docks: o.docks, specs: o.fleet.drones, reservePct: o.fleet.reservePct, faults, seed: o.seed ?? 7, warmupMs: 30_000, droneOptions: { tickMs: o.simTickMs ?? 100 } });
    if (!created.ok) return created;
    const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'kongxun-patrol-'));
    const d = new SimDay(clock, created.value, probe.value, dataDir, o);
    if (o.storage) {
      const { recorder: _r, store: _s, ...h } = o.storage;
      d.health = new StorageHealth({ ...h, clock, dataDir });
      // Each notice is also the runner's alert (startPatrol subscribes the patrol of each station run).
      d.health.onNotice((n) => d.notices.push(n));
    }
    const r = await d.open();
    if (!r.ok) return r;
    clock.setInterval(() => d.dockAndObserve(), OBSERVE_MS);
    return ok(d);
  }

  private async open(): Promise<Result<void>> {
    const ends = [];
    for (const [i, m] of this.fleet.members.entries()) {
      const [stationEnd, droneEnd] = memoryPair(this.clock, { seed: 1 + 97 * i + 1000 * this.restarts, names: [`sys${m.sysid}`, `gcs${m.sysid}`] });
      const r = await this.fleet.attach(i, droneEnd);
      if (!r.ok) return r;
      this.links.push(r.value);
      ends.push(stationEnd);
    }
    const h = this.health;
    const st = await createStation({
      clock: this.clock, dataDir: this.dataDir, connections: ends, record: h !== undefined || (this.o.record ?? false), registry: { streamRatesHz: DAY_STREAM_RATES_HZ, timesyncPeriodMs: 0, batteryReservePct: this.day.fleet.reservePct },
      ...(h ? { health: h, ...(this.o.storage?.recorder ? { recorder: this.o.storage.recorder } : {}) } : {}),
    });
    if (!st.ok) return st;
    this.station = st.value;
    const names = new Map(this.day.fleet.drones.map((d) => [d.sysid, d.id] as const));
    const gateway = openGateway({ clock: this.clock, dataDir: this.dataDir, geography: this.o.stationGeoJson, droneName: (s) => names.get(s) ?? null, health: this.health });
    if (!gateway.ok) return gateway;
    this.gateway = gateway.value;
    // A simulated day on virtual time needs no power-cut durability: synchronous=NORMAL (the station's FULL
    // costs ~3 ms of disk wait per row, minutes over a simulated day's rows). Its own tests prove FULL.
    const patrol = await startPatrol({
      clock: this.clock, station: this.station, plan: this.day, dataDir: this.dataDir, gateway: this.gateway, health: h,
      store: { synchronous: 'NORMAL', ...this.o.storage?.store }, onAlert: (a) => this.o.onAlert?.(a.text),
      ...(this.o.nextDay ? { nextDay: this.o.nextDay } : {}),
    });
    if (!patrol.ok) return patrol;
    this.patrol = patrol.value;
    this.store = patrol.value.store;
    this.runner = patrol.value.runner;
    return ok(undefined);
  }

  /** The station goes down and comes back (same data folder); the drones are not touched. */
  async restart(o: { crash?: boolean } = {}): Promise<Result<void>> {
    if (o.crash) this.store.close();
    await this.patrol.stop();
    await this.station.close();
    // Actions the closing cancelled record their end before the store closes.
    await turn();
    await this.patrol.close();
    this.gateway.close();
    for (const l of this.links.splice(0)) await l.close();
    this.restarts++;
    return this.open();
  }

  private dockAndObserve(): void {
    const now = this.clock.now();
    for (const m of this.fleet.members) {
      const d = m.drone;
      const fd = this.o.fleet.drones.find((x) => x.sysid === m.sysid);
      let ob = this.observed.get(m.sysid);
      if (!ob) this.observed.set(m.sysid, (ob = { sysid: m.sysid, id: m.id, flightS: 0, takeoffs: 0, cycles: 0, minPctAirborne: 100, minPctAtLanding: 100, flights: [], landings: [] }));
      const pct = d.battery.remainingPct;
      const prev = this.lastPct.get(m.sysid);
      if (d.flying) {
        ob.flightS += OBSERVE_MS / 1000;
        ob.minPctAirborne = Math.min(ob.minPctAirborne, pct);
        if (!prev?.flying) {
          ob.takeoffs++;
          ob.flights.push([now, now]);
        } else ob.flights.at(-1)![1] = now;
      } else if (prev?.flying) {
        ob.minPctAtLanding = Math.min(ob.minPctAtLanding, pct);
        ob.landings.push({ atMs: now, fromDockM: Math.hypot(d.physics.state.eM, d.physics.state.nM) });
      }
      if (prev && pct < prev.pct) ob.cycles += (prev.pct - pct) / 100;
      this.lastPct.set(m.sysid, { pct, flying: d.flying, armed: d.armed });
      // The dock charges a disarmed drone on the ground.
      if (!d.armed && fd) d.battery.consumedMah = Math.max(0, d.battery.consumedMah - (d.battery.capacityMah * OBSERVE_MS) / 1000 / (fd.chargeMin * 60));
    }
  }

  /** Advance the clock to `untilMs`, `stepMs` at a time, letting the station's async work run between steps. */
  async runUntil(untilMs: number, hooks: { atMs: number; run: () => Promise<void> | void }[] = []): Promise<void> {
    const step = this.o.stepMs ?? 250;
    const pending = [...hooks].sort((a, b) => a.atMs - b.atMs);
    while (this.clock.now() < untilMs) {
      while (pending.length && pending[0]!.atMs <= this.clock.now()) await pending.shift()!.run();
      this.clock.advance(Math.min(step, untilMs - this.clock.now()));
      await turn();
    }
  }

  async close(): Promise<void> {
    await this.patrol.stop();
    await this.station.close();
    // Actions the closing cancelled record their end before the store closes.
    await turn();
    await this.patrol.close();
    this.health?.close();
    this.gateway.close();
    await this.fleet.stop();
  }
}
