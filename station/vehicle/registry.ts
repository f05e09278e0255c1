/**
 * The vehicle registry: which vehicles are out there, on which links. It routes frames; each Vehicle
 * (vehicle.ts) does the rest for itself.
 *
 *  - A vehicle is an autopilot component (sysid, compid) that sends HEARTBEAT with autopilot ≠ INVALID and
 *    type ≠ GCS; its first HEARTBEAT creates the Vehicle. Other components of the same system (cameras,
 *    gimbals, companions) are listed under it; other ground stations are ignored.
 *  - Every frame of a known system goes to its Vehicle (the autopilot's own frames, or else the system's first
 *    autopilot), which reduces it and reports what changed as events (RegistryEvent).
 *  - Silence: no HEARTBEAT for `lostAfterMs` (default 5 s, on the Clock) → `vehicle-lost`; the next
 *    HEARTBEAT → `vehicle-regained`. Both that and a reboot (time_boot_ms jumps back, or the HEARTBEAT returns to
 *    MAV_STATE_BOOT: a rebooted ArduPilot streams nothing until asked) re-request streams.
 *  - Redundant links: a vehicle heard on two links (or two peers of one link) is one vehicle with both
 *    listed; commands go out on the path with the most recent traffic. Two vehicles sharing a sysid are
 *    told apart by duplicate-sysid.ts and reported once as `duplicate-sysid`.
 *  - On appearance a vehicle asks for telemetry streams (streams.ts) through its command queue and watches
 *    them (`stream-missing`, `stream-restored`); the registry sends TIMESYNC requests (RTT) every
 *    `timesyncPeriodMs` on each connection a vehicle is heard on.
 */
import { common, minimal } from 'mavlink-mappings';
import type { Clock, TimerId } from '../../common/clock.js';
import { make } from '../../mavlink/codec/messages.js';
import type { Received } from '../../mavlink/connection.js';
import type { CommandsOptions } from './commands.js';
import { DEFAULT_STREAM_RATES_HZ } from './streams.js';
import type { VehicleSnapshot } from './vehicle-state.js';
import type { ComponentInfo, RegistryEvent, VehicleInfo } from './vehicle-types.js';
import { Vehicle, type RegistryConnection } from './vehicle.js';

export type { ComponentInfo, PathInfo, RegistryEvent, RegistryEventType, VehicleInfo } from './vehicle-types.js';
export type { RegistryConnection } from './vehicle.js';

export interface RegistryOptions {
  clock: Clock;
  gcsSysid?: number;
  gcsCompid?: number;
  lostAfterMs?: number;
  /**
   * While a streamed vehicle's home is unknown, ask for HOME_POSITION again this often (default 5 s; 0 = never).
   * ArduPilot refuses the first request during boot and then sends home once, unasked, when its origin is set:
   * if that one frame is lost the station would otherwise never learn home.
   */
  homeRetryMs?: number;
  /** Stream rates by message name; 0 or less turns a stream off. Merged over DEFAULT_STREAM_RATES_HZ. */
  streamRatesHz?: Record<string, number>;
  /** Ask for streams when a vehicle appears (default true). */
  requestStreams?: boolean;
  /** TIMESYNC request period; 0 turns it off. Default 5000 ms. */
  timesyncPeriodMs?: number;
  /** The station's data folder, for each vehicle's parameter cache and logs (without one, vehicles have no `files`). */
  dataDir?: string;
  /** Options of each vehicle's command API. */
  commands?: CommandsOptions;
  /** The battery reserve (%) each vehicle's time left counts down to (the fleet's reserve_percent; default 25). */
  batteryReservePct?: number;
}

export class VehicleRegistry {
  private readonly clock: Clock;
  private readonly gcsSysid: number;
  private readonly gcsCompid: number;
  private readonly lostAfterMs: number;
  private readonly homeRetryMs: number;
  private readonly rates: Record<string, number>;
  /** Keyed "sysid:compid". */
  private readonly byIds = new Map<string, Vehicle>();
  private readonly components = new Map<number, Map<number, ComponentInfo>>();
  private readonly connections = new Map<RegistryConnection, () => void>();
  private readonly frameListeners = new Set<(r: Received) => void>();
  private readonly listeners = new Set<(e: RegistryEvent) => void>();
  private readonly timers: TimerId[] = [];
  private closed = false;

  constructor(private readonly o: RegistryOptions) {
    this.clock = o.clock;
    this.gcsSysid = o.gcsSysid ?? 255;
    this.gcsCompid = o.gcsCompid ?? 190;
    this.lostAfterMs = o.lostAfterMs ?? 5000;
    this.homeRetryMs = o.homeRetryMs ?? 5000;
    this.rates = { ...DEFAULT_STREAM_RATES_HZ, ...(o.streamRatesHz ?? {}) };
    this.timers.push(this.clock.setInterval(() => this.tick(), 250));
    const ts = o.timesyncPeriodMs ?? 5000;
    if (ts > 0) this.timers.push(this.clock.setInterval(() => this.sendTimesync(), ts));
  }

  addConnection(connection: RegistryConnection): () => void {
    const offMsg = connection.onMessage((r) => this.onFrame(connection, r));
    const offStatus = connection.onStatus?.((s) => {
      if (s.state !== 'disconnected' || !s.peer) return;
      const gone = `${connection.name}|${s.peer}`;
      for (const v of this.byIds.values()) v.forgetPaths((key) => key === gone);
    });
    const off = (): void => {
      offMsg();
      offStatus?.();
    };
    this.connections.set(connection, off);
    return () => {
      off();
      this.connections.delete(connection);
      for (const v of this.byIds.values()) v.forgetPaths((_, p) => p.connection === connection);
    };
  }

  on(listener: (e: RegistryEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every vehicle heard so far, lost ones included. */
  vehicles(): Vehicle[] {
    return [...this.byIds.values()];
  }

  /** The (first) autopilot of a system. */
  vehicle(sysid: number): Vehicle | undefined {
    let best: Vehicle | undefined;
    for (const v of this.byIds.values()) if (v.sysid === sysid && (!best || v.compid < best.compid)) best = v;
    return best;
  }

  /** Every received frame (all systems), after the registry has reduced it. */
  onFrame$(listener: (r: Received) => void): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  snapshot(): (VehicleSnapshot & { info: VehicleInfo })[] {
    const now = this.clock.now();
    return [...this.byIds.values()].map((v) => v.view(now));
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) this.clock.clearInterval(t);
    for (const off of this.connections.values()) off();
    this.connections.clear();
    for (const v of this.byIds.values()) v.close();
  }

  /** Settles when every vehicle's files written at close (their battery models) are on disk or reported failed. */
  async saved(): Promise<void> {
    await Promise.all([...this.byIds.values()].map((v) => v.batterySaved()));
  }

  private emit(e: RegistryEvent): void {
    for (const l of [...this.listeners]) l(e);
  }

  private create(sysid: number, compid: number, hb: minimal.Heartbeat): Vehicle {
    return new Vehicle({
      sysid,
      compid,
      autopilot: hb.autopilot,
      vehicleType: hb.type,
      clock: this.clock,
      gcsSysid: this.gcsSysid,
      gcsCompid: this.gcsCompid,
      ratesHz: this.rates,
      ...(this.o.requestStreams !== undefined ? { requestStreams: this.o.requestStreams } : {}),
      ...(this.o.dataDir !== undefined ? { dataDir: this.o.dataDir } : {}),
      ...(this.o.commands ? { commands: this.o.commands } : {}),
      ...(this.o.batteryReservePct !== undefined ? { batteryReservePct: this.o.batteryReservePct } : {}),
      emit: (e) => this.emit(e),
      on: (l) => this.on(l),
      hear: (l) => this.onFrame$(l),
      components: () => [...(this.components.get(sysid)?.values() ?? [])],
    });
  }

  /** A HEARTBEAT: a new component or vehicle, or news of a known one. Returns the vehicle it is of, if an autopilot's. */
  private onHeartbeat(connection: RegistryConnection, r: Received, hb: minimal.Heartbeat): Vehicle | undefined {
    const { sysid, compid } = r.frame;
    if (hb.type === minimal.MavType.GCS) return undefined;
    if (hb.autopilot === minimal.MavAutopilot.INVALID) {
      let comps = this.components.get(sysid);
      if (!comps) this.components.set(sysid, (comps = new Map()));
      const isNew = !comps.has(compid);
      comps.set(compid, { compid, mavType: hb.type, autopilot: hb.autopilot, lastHbMs: r.atMs });
      const owner = this.vehicle(sysid);
      if (isNew && owner) this.emit({ type: 'component-new', sysid, compid: owner.compid, componentId: compid, mavType: hb.type });
      return undefined;
    }
    const key = `${sysid}:${compid}`;
    let v = this.byIds.get(key);
    const fresh = !v;
    if (!v) this.byIds.set(key, (v = this.create(sysid, compid, hb)));
    v.heartbeat(`${connection.name}|${r.peer}`, r, hb);
    if (fresh) this.emit({ type: 'vehicle-new', sysid, compid });
    return v;
  }

  private onFrame(connection: RegistryConnection, r: Received): void {
    if (this.closed) return;
    const { frame, message } = r;
    let v: Vehicle | undefined;
    let fresh = false;
    if (message instanceof minimal.Heartbeat) {
      const before = this.byIds.size;
      v = this.onHeartbeat(connection, r, message);
      fresh = this.byIds.size > before;
      // Other components' heartbeats still count for the vehicle's link statistics.
      if (!v && message.type !== minimal.MavType.GCS) v = this.vehicle(frame.sysid);
    } else {
      v = this.byIds.get(`${frame.sysid}:${frame.compid}`) ?? this.vehicle(frame.sysid);
    }
    v?.receive(connection, r, fresh);
    for (const l of [...this.frameListeners]) l(r);
  }

  private tick(): void {
    const now = this.clock.now();
    for (const v of this.byIds.values()) v.tick(now, this.lostAfterMs, this.homeRetryMs);
  }

  private sendTimesync(): void {
    for (const [conn] of this.connections) {
      if (![...this.byIds.values()].some((v) => v.heardOn(conn))) continue;
      const tsNs = BigInt(Math.round(this.clock.now())) * 1_000_000n;
      conn.send(make(common.TimeSync, { tc1: 0n, ts1: tsNs, targetSystem: 0, targetComponent: 0 }));
    }
  }
}
