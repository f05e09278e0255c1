/**
 * SimFleet: N simulated drones, each served like an ArduPilot SITL instance.
 *
 *   drone i ── tcpin://HOST:(basePort + 10·i)      (SITL: instance N adds 10·N to 5760)
 *           └─ udpout://HOST:PORT (optional; every drone sends to the same GCS address)
 *
 * Unlike SITL, a tcpin port here accepts several clients and sends to all of them (the transport's
 * behaviour); SITL gives data to one client per port. sysid: `sysids[i]`, else the drone spec's, else 1+i.
 * Home: the drone's dock (its spec's `dock`, one of `docks`), else docks in turn, else `home`. Docks and
 * drones arrive typed (missions/' Dock and FleetDrone, as the station parsed and checked them): the
 * simulator reads no fleet.json or GeoJSON itself. Drones sharing a dock stand 2 m apart (one per bay). Each
 * drone has its own seed (seed·1000 + i). Time: a given Clock (FakeClock in tests), else the system
 * clock, sped up by `speedup` through a ScaledClock. `attach(i, transport)` serves any Transport
 * (e.g. one end of memoryPair) for fake-clock system tests. `videoUri` gives drones a camera component
 * (compid 100) announcing that stream.
 */
import { SystemClock, type Clock } from '../common/clock.js';
import { MavConnection } from '../mavlink/connection.js';
import { err, ok, type Result } from '../common/result.js';
import type { FleetDrone } from '../missions/fleet.js';
import type { Dock } from '../missions/jurisdiction.js';
import { createTransport } from '../mavlink/transport/index.js';
import type { Transport } from '../mavlink/transport/types.js';
import { SimDrone, type SimDroneOptions } from './drone.js';
import type { FaultRule } from './faults.js';
import { latLonFromEnu } from './geo.js';
import { ScaledClock } from './scaled-clock.js';
import { fileSigningStorage } from './signing-storage.js';

export interface HomeSpec {
  lat: number;
  lon: number;
  altAmslM: number;
}

/** A dock the drones stand on (one per bay, 2 m apart). */
export type SimDock = Pick<Dock, 'id' | 'at'>;
/** What the simulator uses of a fleet drone; each field has a default. */
export type SimDroneSpec = Partial<Pick<FleetDrone, 'id' | 'sysid' | 'dock' | 'enduranceMin' | 'cruiseMps'>>;

export interface SimFleetOptions {
  drones: number;
  clock?: Clock;
  speedup?: number;
  host?: string;
  /** Default 5760. Tests use high ports (25760+). */
  basePort?: number;
  /** Serve TCP (default true). Off for fake-clock tests that only use attach(). */
  tcp?: boolean;
  /** "host:port": every drone also sends MAVLink there over UDP. */
  udp?: string;
  sysids?: readonly number[];
  home?: HomeSpec;
  /** The station's docks (missions/jurisdiction.ts parses them from the GeoJSON). */
  docks?: readonly SimDock[];
  /** Drone i is `specs[i]` (missions/fleet.ts parses fleet.json). */
  specs?: readonly SimDroneSpec[];
  /** The fleet's battery reserve, percent (fleet.json `reserve_percent`; default 25). */
  reservePct?: number;
  faults?: readonly FaultRule[];
  seed?: number;
  warmupMs?: number;
  /** Patrol settings (FS_GCS_ENABLE 1, battery failsafes); default true. */
  patrolDefaults?: boolean;
  params?: Readonly<Record<string, number>>;
  /**
   * Drones carrying a camera component (camera.ts) and the stream URI each announces: one URI for every drone,
   * or one per drone index (undefined: no camera).
   */
  videoUri?: string | readonly (string | undefined)[];
  droneOptions?: Partial<SimDroneOptions>;
  /**
   * The simulator's storage folder (SITL's eeprom.bin per instance): each drone keeps the signing key
   * SETUP_SIGNING gave it there (signing-storage.ts), so it still signs after the simulator restarts.
   * Absent: keys live only as long as the SimFleet.
   */
  stateDir?: string;
  /** Hears storage problems (a key file that cannot be read or written). */
  warn?: (line: string) => void;
}

export interface FleetMember {
  index: number;
  sysid: number;
  id: string;
  drone: SimDrone;
  urls: string[];
  connections: MavConnection[];
}

export class SimFleet {
  readonly clock: Clock;
  readonly members: FleetMember[] = [];

  private constructor(clock: Clock) {
    this.clock = clock;
  }

  /** Build the drones (no sockets yet). Errors name the bad option. */
  static create(opts: SimFleetOptions): Result<SimFleet> {
    if (!Number.isInteger(opts.drones) || opts.drones < 1) return err('bad_option', `drones: expected a whole number ≥ 1, got ${opts.drones}`);
    let clock: Clock = opts.clock ?? new SystemClock();
    if (opts.speedup !== undefined && opts.speedup !== 1) {
      if (!(opts.speedup > 0)) return err('bad_option', `speedup: expected a number > 0, got ${opts.speedup}`);
      clock = new ScaledClock(clock, opts.speedup);
    }
    const docks = opts.docks ?? [];
    if (docks.length === 0 && !opts.home) return err('bad_option', 'home: give a home position or a station file with docks');
    const fleet = new SimFleet(clock);
    const perDock = new Map<string, number>();
    const seed = opts.seed ?? 1;
    for (let i = 0; i < opts.drones; i++) {
      const spec = opts.specs?.[i];
      const sysid = opts.sysids?.[i] ?? spec?.sysid ?? 1 + i;
      if (!Number.isInteger(sysid) || sysid < 1 || sysid > 254) return err('bad_option', `sysid of drone ${i}: expected 1..254, got ${sysid}`);
      let home: HomeSpec;
      if (docks.length > 0) {
        let dock = docks[i % docks.length]!;
        if (spec?.dock) {
          const named = docks.find((d) => d.id === spec.dock);
          if (!named) return err('bad_option', `fleet: drone ${spec.id ?? i} names dock "${spec.dock}", which the station does not have`);
          dock = named;
        }
        const bay = perDock.get(dock.id) ?? 0;
        perDock.set(dock.id, bay + 1);
        const p = latLonFromEnu({ latDeg: dock.at[1], lonDeg: dock.at[0] }, 2 * bay, 0);
        home = { lat: p.latDeg, lon: p.lonDeg, altAmslM: opts.home?.altAmslM ?? 10 };
      } else {
        home = opts.home!;
      }
      const rules = (opts.faults ?? []).filter((r) => r.sysid === undefined || r.sysid === sysid);
      const videoUri = typeof opts.videoUri === 'string' ? opts.videoUri : opts.videoUri?.[i];
      const drone = new SimDrone({
        clock,
        sysid,
        home,
        seed: seed * 1000 + i,
        enduranceMin: spec?.enduranceMin ?? 55,
        cruiseMps: spec?.cruiseMps ?? 10,
        faults: rules,
        patrolDefaults: (opts.patrolDefaults ?? true) ? { reservePercent: opts.reservePct ?? 25 } : false,
        ...(opts.warmupMs !== undefined ? { warmupMs: opts.warmupMs } : {}),
        ...(opts.params ? { params: opts.params } : {}),
        ...(videoUri !== undefined ? { videoUri } : {}),
        ...(opts.stateDir !== undefined ? { signingStorage: fileSigningStorage(opts.stateDir, sysid, opts.warn) } : {}),
        ...opts.droneOptions,
      });
      fleet.members.push({ index: i, sysid, id: spec?.id ?? `SIM-${sysid}`, drone, urls: [], connections: [] });
    }
    fleet.pending = opts;
    return ok(fleet);
  }

  private pending: SimFleetOptions | undefined;

  /** Open the network links (tcpin per drone, optional udpout). */
  async start(): Promise<Result<void>> {
    const opts = this.pending;
    if (!opts) return ok(undefined);
    this.pending = undefined;
    const host = opts.host ?? '127.0.0.1';
    const basePort = opts.basePort ?? 5760;
    for (const m of this.members) {
      const urls: string[] = [];
      if (opts.tcp ?? true) urls.push(`tcpin://${host}:${basePort + 10 * m.index}`);
      if (opts.udp) urls.push(`udpout://${opts.udp}`);
      for (const url of urls) {
        const t = createTransport(url, this.clock);
        if (!t.ok) return t;
        const r = await this.attach(m.index, t.value);
        if (!r.ok) {
          await this.stop();
          return r;
        }
        m.urls.push(url);
      }
    }
    return ok(undefined);
  }

  /** Serve a transport for drone `index` (opened here). */
  async attach(index: number, transport: Transport): Promise<Result<MavConnection>> {
    const m = this.members[index];
    if (!m) return err('bad_index', `no drone with index ${index}`);
    const conn = new MavConnection(transport, { clock: this.clock, sysid: m.drone.sysid, compid: m.drone.compid });
    const detach = m.drone.attach(conn);
    const r = await conn.open();
    if (!r.ok) {
      detach();
      return err(r.code, `${transport.url}: ${r.reason}`);
    }
    m.connections.push(conn);
    return ok(conn);
  }

  drone(index: number): SimDrone | undefined {
    return this.members[index]?.drone;
  }

  async stop(): Promise<void> {
    for (const m of this.members) {
      m.drone.stop();
      for (const c of m.connections) await c.close();
      m.connections.length = 0;
    }
  }
}
