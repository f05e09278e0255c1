/**
 * System-test rig: the real station (createStation) and simulated drones (SimFleet) joined by memoryPair
 * links, everything on ONE FakeClock. Time only moves when a test says so; between clock steps the rig
 * lets promise continuations run (one macrotask turn drains the microtask queue), so the station's
 * async command flows progress exactly as they would on a real clock. Every wait is bounded in
 * simulated time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../common/clock.js';
import { ioBudget, quiesce } from '../fake-time.js';
import { memoryPair, type MemoryLinkOptions, type MemoryTransport } from '../../mavlink/transport/memory.js';
import { SimFleet, type SimFleetOptions } from '../../sitl/fleet.js';
import type { SimDrone } from '../../sitl/drone.js';
import { createStation, type Station, type StationOptions } from '../../station/compose.js';
import type { RegistryEvent } from '../../station/vehicle/registry.js';
import type { VehicleCommands } from '../../station/vehicle/commands.js';
import type { VehicleSnapshot } from '../../station/vehicle/vehicle-state.js';
import type { VehicleInfo } from '../../station/vehicle/registry.js';

/** The sample fleet's first three drones (resources/samples/fleet.json). */
export const SAMPLE_SYSIDS = [11, 12, 13] as const;
export const HOME = { lat: 24.59, lon: 118.262, altAmslM: 10 };

export interface RigOptions {
  drones?: number;
  sysids?: readonly number[];
  /** Options of every memory link (each link gets its own seed: link.seed + index). */
  link?: MemoryLinkOptions;
  /** Simulator options (warm-up, faults, params, droneOptions …). */
  fleet?: Partial<SimFleetOptions>;
  station?: Partial<Omit<StationOptions, 'clock' | 'dataDir' | 'connections'>>;
}

export interface DroneLink {
  sysid: number;
  drone: SimDrone;
  /** The station's end of the link (setDown on it cuts station→drone with direction 'send'). */
  stationEnd: MemoryTransport;
  droneEnd: MemoryTransport;
}

export class Rig {
  readonly events: (RegistryEvent & { atMs: number })[] = [];
  private readonly t0: number;

  constructor(
    readonly clock: FakeClock,
    readonly station: Station,
    readonly fleet: SimFleet,
    readonly links: DroneLink[],
    readonly dataDir: string,
  ) {
    this.t0 = clock.now();
    station.on('*', (e) => this.events.push({ ...e, atMs: clock.now() }));
  }

  /** Simulated ms since the rig was built. */
  get t(): number {
    return this.clock.now() - this.t0;
  }

  link(sysid: number): DroneLink {
    const l = this.links.find((x) => x.sysid === sysid);
    if (!l) throw new Error(`no drone with sysid ${sysid} in the rig`);
    return l;
  }

  /** The station's view of a vehicle (not the simulator's). */
  view(sysid: number): (VehicleSnapshot & { info: VehicleInfo }) | undefined {
    return this.station.snapshot().vehicles.find((v) => v.sysid === sysid);
  }

  commands(sysid: number): VehicleCommands {
    const c = this.station.vehicle(sysid)?.commands;
    if (!c) throw new Error(`the station has no vehicle ${sysid}`);
    return c;
  }

  eventsOf<K extends RegistryEvent['type']>(type: K, sysid?: number): (Extract<RegistryEvent, { type: K }> & { atMs: number })[] {
    return this.events.filter((e) => e.type === type && (sysid === undefined || e.sysid === sysid)) as (Extract<RegistryEvent, { type: K }> & {
      atMs: number;
    })[];
  }

  /** Advance simulated time by `ms`, letting promise continuations run after each step. */
  async run(ms: number, stepMs = 20): Promise<void> {
    const io = ioBudget();
    for (let left = ms; left > 0; left -= stepMs) {
      await quiesce(io);
      this.clock.advance(Math.min(stepMs, left));
      await turn();
    }
  }

  /** Advance until `pred` holds or `maxMs` of simulated time has passed. Returns whether it held. */
  async until(pred: () => boolean, maxMs: number, stepMs = 20): Promise<boolean> {
    await turn();
    const io = ioBudget();
    for (let waited = 0; !pred(); waited += stepMs) {
      if (waited >= maxMs) return false;
      await quiesce(io);
      if (pred()) return true;
      this.clock.advance(stepMs);
      await turn();
    }
    return true;
  }

  /** Run the clock until `p` settles (bounded); throws if it does not settle within `maxMs`. */
  async settle<T>(p: Promise<T>, maxMs = 60_000, stepMs = 20): Promise<T> {
    let done = false;
    let value: T | undefined;
    void p.then((v) => {
      done = true;
      value = v;
    });
    if (!(await this.until(() => done, maxMs, stepMs))) throw new Error(`promise did not settle within ${maxMs} simulated ms`);
    return value as T;
  }

  async close(): Promise<void> {
    await this.station.close();
    await this.fleet.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** One macrotask turn: every pending promise continuation runs before it ends. */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export async function buildRig(o: RigOptions = {}): Promise<Rig> {
  const clock = new FakeClock();
  const sysids = o.sysids ?? SAMPLE_SYSIDS;
  const n = o.drones ?? sysids.length;
  const created = SimFleet.create({ drones: n, clock, tcp: false, sysids, home: HOME, seed: 3, ...o.fleet });
  if (!created.ok) throw new Error(created.reason);
  const fleet = created.value;
  const links: DroneLink[] = [];
  for (let i = 0; i < n; i++) {
    const m = fleet.members[i]!;
    const baseSeed = o.link?.seed ?? 1;
    const [stationEnd, droneEnd] = memoryPair(clock, { ...o.link, seed: baseSeed + 97 * i, names: [`sys${m.sysid}`, `gcs${m.sysid}`] });
    const r = await fleet.attach(i, droneEnd);
    if (!r.ok) throw new Error(r.reason);
    links.push({ sysid: m.sysid, drone: m.drone, stationEnd, droneEnd });
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'kongxun-system-'));
  const st = await createStation({ clock, dataDir, connections: links.map((l) => l.stationEnd), ...o.station });
  if (!st.ok) {
    await fleet.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error(st.reason);
  }
  return new Rig(clock, st.value, fleet, links, dataDir);
}

const R_EARTH_M = 6_371_000;

/** The point `northM`/`eastM` metres from `from`. */
export function offset(from: { latDeg: number; lonDeg: number }, northM: number, eastM: number): { latDeg: number; lonDeg: number } {
  const rad = Math.PI / 180;
  return {
    latDeg: from.latDeg + northM / R_EARTH_M / rad,
    lonDeg: from.lonDeg + eastM / (R_EARTH_M * Math.cos(from.latDeg * rad)) / rad,
  };
}
