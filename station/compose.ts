/**
 * The composition root of the station core. `createStation` builds everything from its options (nothing
 * happens at import time, nothing is global): one MavConnection per link URL or Transport, the vehicle
 * registry fed by all of them, the tlog recorder and the GCS heartbeat. The Station is a registry of
 * Vehicles (station/vehicle/vehicle.ts): `station.vehicle(sysid)` is one drone with its state, its command
 * queue and its services (commands, mission transfers, parameters and logs).
 *
 * Opening is all or nothing: if any link cannot be created or opened, the ones already open are closed
 * and the error value names the URL (e.g. "udpin://0.0.0.0:14550: address in use"). Links that lose their
 * peer later are not errors: their transports report status and reconnect by themselves.
 */
import type { Clock } from '../common/clock.js';
import type { SigningConfig } from '../mavlink/codec/signing.js';
import { MavConnection, type ConnectionStats } from '../mavlink/connection.js';
import { err, ok, type Result } from '../common/result.js';
import { createTransport, type Transport, type TransportStatus } from '../mavlink/transport/index.js';
import type { CommandsOptions } from './vehicle/commands.js';
import { startGcsHeartbeat } from './vehicle/gcs-heartbeat.js';
import { TlogRecorder, type RecorderOptions } from './storage/recorder.js';
import type { StorageHealth } from './storage/health.js';
import type { VehicleSnapshot } from './vehicle/vehicle-state.js';
import { VehicleRegistry, type RegistryEvent, type RegistryEventType, type RegistryOptions, type VehicleInfo } from './vehicle/registry.js';
import type { Vehicle } from './vehicle/vehicle.js';

export interface StationOptions {
  clock: Clock;
  /** Where tlogs (and later other station data) go. */
  dataDir: string;
  /** Link URLs ("udpin://0.0.0.0:14550", "tcpout://127.0.0.1:5760", "serial:///dev/ttyUSB0:57600") or transports. */
  connections: readonly (string | Transport)[];
  gcsSysid?: number;
  gcsCompid?: number;
  /**
   * MAVLink 2 signing on every link: sign what we send, verify what we receive (strictly increasing
   * timestamps, the spec's replay rule) and apply the unsigned-traffic policy. Each link gets its own
   * link id (its index) and signing state.
   */
  signing?: Omit<SigningConfig, 'linkId'>;
  /**
   * Signing per link, in the order of `connections` (a drone's own key; undefined = that link unsigned,
   * e.g. the built-in simulator's in-process links). Overrides `signing` when given.
   */
  linkSigning?: readonly (Omit<SigningConfig, 'linkId'> | undefined)[];
  /** Write tlogs (default true). */
  record?: boolean;
  /** Where the tlog recorder reports failed writes and their recovery (station/storage/health.ts). */
  health?: StorageHealth;
  /** The recorder's fs, sync period and backlog (tests inject a failing fs). */
  recorder?: Pick<RecorderOptions, 'fs' | 'syncMs' | 'backlogBytes'>;
  registry?: Omit<RegistryOptions, 'clock' | 'gcsSysid' | 'gcsCompid' | 'dataDir' | 'commands'>;
  commands?: CommandsOptions;
}

export interface LinkSnapshot {
  name: string;
  status: TransportStatus['state'];
  /** Whether this link signs what it sends (and verifies what it gets). */
  signing: boolean;
  peers: string[];
  stats: ConnectionStats;
}

export interface StationSnapshot {
  atMs: number;
  links: LinkSnapshot[];
  vehicles: (VehicleSnapshot & { info: VehicleInfo })[];
}

export interface Station {
  /** Every vehicle heard so far (lost ones too). */
  vehicles(): Vehicle[];
  /** The (first) autopilot of a system, or undefined if no such vehicle has been heard. */
  vehicle(sysid: number): Vehicle | undefined;
  /** Subscribe to one event type, or '*' for all. Returns the unsubscribe function. */
  on<K extends RegistryEventType>(type: K | '*', cb: (e: Extract<RegistryEvent, { type: K }>) => void): () => void;
  snapshot(): StationSnapshot;
  /** Paths of the tlogs written so far. */
  tlogs(): string[];
  connections(): readonly MavConnection[];
  close(): Promise<void>;
}

export async function createStation(o: StationOptions): Promise<Result<Station>> {
  const { clock } = o;
  const gcsSysid = o.gcsSysid ?? 255;
  const gcsCompid = o.gcsCompid ?? 190;
  const conns: MavConnection[] = [];
  for (const c of o.connections) {
    let transport: Transport;
    if (typeof c === 'string') {
      const t = createTransport(c, clock);
      if (!t.ok) {
        await Promise.all(conns.map((x) => x.close()));
        return err(t.code, t.reason.includes(c) ? t.reason : `${c}: ${t.reason}`);
      }
      transport = t.value;
    } else transport = c;
    const cfg = o.linkSigning ? o.linkSigning[conns.length] : o.signing;
    const signing = cfg ? { ...cfg, linkId: conns.length & 0xff } : undefined;
    const conn = new MavConnection(transport, { clock, sysid: gcsSysid, compid: gcsCompid, ...(signing ? { signing } : {}) });
    const opened = await conn.open();
    if (!opened.ok) {
      await Promise.all(conns.map((x) => x.close()));
      const url = transport.url;
      return err(opened.code, opened.reason.includes(url) ? opened.reason : `${url}: ${opened.reason}`);
    }
    conns.push(conn);
  }

  const registry = new VehicleRegistry({ ...o.registry, clock, gcsSysid, gcsCompid, dataDir: o.dataDir, ...(o.commands ? { commands: o.commands } : {}) });
  const recorder = o.record === false ? undefined : new TlogRecorder({ ...o.recorder, clock, dataDir: o.dataDir, ...(o.health ? { health: o.health } : {}) });
  for (const c of conns) {
    recorder?.attach(c);
    registry.addConnection(c);
  }
  const stopHeartbeat = startGcsHeartbeat(clock, () => conns);
  let closed = false;

  const station: Station = {
    vehicles: () => registry.vehicles(),
    vehicle: (sysid) => registry.vehicle(sysid),
    on: (type, cb) =>
      registry.on((e) => {
        if (type === '*' || e.type === type) cb(e as Parameters<typeof cb>[0]);
      }),
    snapshot: () => ({
      atMs: clock.now(),
      links: conns.map((c) => ({ name: c.name, status: c.lastStatus.state, signing: c.signing, peers: c.transport.peers(), stats: c.stats })),
      vehicles: registry.snapshot(),
    }),
    tlogs: () => recorder?.files() ?? [],
    connections: () => conns,
    close: async () => {
      if (closed) return;
      closed = true;
      stopHeartbeat();
      registry.close();
      // What the vehicles learned (their battery models) is written before the station says it has stopped.
      await registry.saved();
      recorder?.close();
      await Promise.all(conns.map((c) => c.close()));
    },
  };
  return ok(station);
}
