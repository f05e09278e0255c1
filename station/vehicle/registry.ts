/**
 * The vehicle registry: which vehicles are out there, on which links, and their live state.
 *
 *  - A vehicle is an autopilot component (sysid, compid) that sends HEARTBEAT with autopilot ≠ INVALID and
 *    type ≠ GCS. Other components of the same system (cameras, gimbals, companions) are listed under it;
 *    other ground stations are ignored.
 *  - Every frame of a known system goes through the pure reducer (vehicle-state.ts).
 *  - Silence: no HEARTBEAT for `lostAfterMs` (default 5 s, on the Clock) → `vehicle-lost`; the next
 *    HEARTBEAT → `vehicle-regained`. Both that and a reboot (time_boot_ms jumps back, or the HEARTBEAT returns to
 *    MAV_STATE_BOOT: a rebooted ArduPilot streams nothing until asked) re-request streams.
 *  - Redundant links: a vehicle heard on two links (or two peers of one link) is one vehicle with both
 *    listed; commands go out on the path with the most recent traffic. Two vehicles sharing a sysid are
 *    told apart by duplicate-sysid.ts and reported once as `duplicate-sysid`.
 *  - On appearance the registry asks for telemetry streams (streams.ts) through the vehicle's command
 *    queue, and it sends TIMESYNC requests (RTT) every `timesyncPeriodMs` on each connection.
 *  - Every message it asked for is watched: silent for a few of its intervals (streams.ts `silentStreams`) →
 *    `stream-missing` naming it (once, until it comes back: `stream-restored`), and it is asked for again at
 *    each silence limit while it stays away. A message the vehicle refused to stream is `stream-missing` at once.
 */
import { common, minimal, standard } from 'mavlink-mappings';
import type { Clock, TimerId } from '../../mavlink/clock.js';
import { make, type MavLinkData } from '../../mavlink/codec/messages.js';
import type { Received } from '../../mavlink/connection.js';
import { quirksFor } from '../../mavlink/quirks.js';
import type { MessageLink } from '../../mavlink/services/driver.js';
import type { PeerId, TransportStatus } from '../../mavlink/transport/types.js';
import { CommandQueue } from './command-queue.js';
import type { CommandTarget } from './commands.js';
import { emptyDuplicateState, forgetPath, onPathHeartbeat, onPathPosition, type DuplicateState } from './duplicate-sysid.js';
import type { StatusTextEntry } from './statustext.js';
import { DEFAULT_STREAM_RATES_HZ, STREAM_MESSAGE_IDS, STREAM_TABLE, reRequest, requestStreams, silenceLimitMs, silentStreams, type StreamMethod } from './streams.js';
import { initialVehicleState, reduceVehicleOwned, vehicleSnapshot, type VehicleSnapshot, type VehicleState } from './vehicle-state.js';

/** What the registry needs of a MavConnection. */
export interface RegistryConnection {
  readonly name: string;
  send(message: MavLinkData, peer?: PeerId): unknown;
  onMessage(listener: (r: Received) => void): () => void;
  /** Link status; a `disconnected` peer's paths are forgotten (UDP port churn must not grow the registry). */
  onStatus?(listener: (s: TransportStatus) => void): () => void;
}

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
}

type Ids = { sysid: number; compid: number };
/** HEARTBEATs are 1 Hz: a longer gap means the link (or the vehicle) was silent. */
const HEARTBEAT_GAP_MS = 2500;
const STREAM_USED_FOR: Readonly<Record<string, string>> = Object.fromEntries(STREAM_TABLE.map((t) => [t.name, t.usedFor]));
export type RegistryEvent =
  | ({ type: 'vehicle-new' } & Ids)
  | ({ type: 'vehicle-lost' } & Ids)
  | ({ type: 'vehicle-regained' } & Ids)
  | ({ type: 'vehicle-rebooted' } & Ids)
  | ({ type: 'mode-changed'; from: string; to: string } & Ids)
  | ({ type: 'armed' } & Ids)
  | ({ type: 'disarmed' } & Ids)
  | ({ type: 'statustext'; entry: StatusTextEntry } & Ids)
  | ({ type: 'duplicate-sysid'; reason: string; links: string[] } & Ids)
  /** Signing is on with `--unsigned flag` and this vehicle sent an unsigned frame (once per vehicle). */
  | ({ type: 'unsigned-flagged'; link: string } & Ids)
  | ({ type: 'component-new'; componentId: number; mavType: number } & Ids)
  | ({ type: 'streams-requested'; method: StreamMethod } & Ids)
  /** A message the station asked for has not come for `silentMs` (or was refused: `refused` says how). */
  | ({ type: 'stream-missing'; message: string; msgid: number; hz: number; silentMs: number; usedFor: string; refused?: string } & Ids)
  | ({ type: 'stream-restored'; message: string; msgid: number; silentMs: number } & Ids);
export type RegistryEventType = RegistryEvent['type'];

export interface PathInfo { link: string; peer: PeerId; lastRxMs: number }
export interface ComponentInfo { compid: number; mavType: number; autopilot: number; lastHbMs: number }

export interface VehicleInfo {
  sysid: number;
  compid: number;
  lost: boolean;
  duplicateSysid: string | null;
  /** Frames of this vehicle that arrived unsigned on a signed link under `--unsigned flag` (accepted, flagged). */
  unsignedFrames: number;
  links: PathInfo[];
  components: ComponentInfo[];
  streams: StreamMethod | null;
}

interface Path extends PathInfo { connection: RegistryConnection }

interface Entry {
  sysid: number;
  compid: number;
  state: VehicleState;
  paths: Map<string, Path>;
  lost: boolean;
  dup: DuplicateState;
  dupReported: boolean;
  unsignedFrames: number;
  queue: CommandQueue;
  link: MessageLink;
  streamGen: number;
  streams: StreamMethod | null;
  /** When HOME_POSITION was last asked for while the vehicle's home was unknown. */
  homeAskedMs: number;
  /** Last arrival per message id (the autopilot component's frames). */
  seenMs: Map<number, number>;
  /** Messages the vehicle should be sending since `streamsAtMs`. */
  expected: string[];
  streamsAtMs: number;
  /** Messages reported missing → when last asked for again. */
  missing: Map<string, number>;
  /** When HEARTBEATs resumed after a gap: a silent link is the link's fault, not a stream's. */
  hbResumedMs: number;
}

export class VehicleRegistry {
  private readonly clock: Clock;
  private readonly gcsSysid: number;
  private readonly gcsCompid: number;
  private readonly lostAfterMs: number;
  private readonly rates: Record<string, number>;
  private readonly entries = new Map<string, Entry>();
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
    this.rates = { ...DEFAULT_STREAM_RATES_HZ, ...(o.streamRatesHz ?? {}) };
    this.timers.push(this.clock.setInterval(() => this.checkLost(), 250));
    const ts = o.timesyncPeriodMs ?? 5000;
    if (ts > 0) this.timers.push(this.clock.setInterval(() => this.sendTimesync(), ts));
  }

  addConnection(connection: RegistryConnection): () => void {
    const offMsg = connection.onMessage((r) => this.onFrame(connection, r));
    const offStatus = connection.onStatus?.((s) => {
      if (s.state !== 'disconnected' || !s.peer) return;
      const key = `${connection.name}|${s.peer}`;
      for (const e of this.entries.values()) {
        e.paths.delete(key);
        e.dup = forgetPath(e.dup, key);
      }
    });
    const off = (): void => {
      offMsg();
      offStatus?.();
    };
    this.connections.set(connection, off);
    return () => {
      off();
      this.connections.delete(connection);
      for (const e of this.entries.values()) for (const [k, p] of e.paths) if (p.connection === connection) e.paths.delete(k);
    };
  }

  on(listener: (e: RegistryEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  vehicles(): VehicleInfo[] {
    return [...this.entries.values()].map((e) => this.info(e));
  }

  /** The (first) autopilot of a system. */
  vehicle(sysid: number): VehicleInfo | undefined {
    const e = this.entryOf(sysid);
    return e ? this.info(e) : undefined;
  }

  state(sysid: number): VehicleState | undefined {
    return this.entryOf(sysid)?.state;
  }

  /** A link to one vehicle: sends on its best path, hears all its frames on every path. */
  link(sysid: number): MessageLink | undefined {
    return this.entryOf(sysid)?.link;
  }

  queue(sysid: number): CommandQueue | undefined {
    return this.entryOf(sysid)?.queue;
  }

  /** The vehicle as the command API sees it (commands.ts). */
  commandTarget(sysid: number): CommandTarget | undefined {
    const e = this.entryOf(sysid);
    if (!e) return undefined;
    return {
      sysid: e.sysid,
      compid: e.compid,
      clock: this.clock,
      state: () => e.state,
      run: (spec, options) => e.queue.run(spec, options).result,
      send: (m) => e.link.send(m),
      onStatusText: (cb) => this.on((ev) => ev.type === 'statustext' && ev.sysid === e.sysid && cb(ev.entry)),
      onHeartbeat: (cb) =>
        this.onFrame$((r) => {
          if (r.frame.sysid === e.sysid && r.frame.compid === e.compid && r.message instanceof minimal.Heartbeat) cb(e.state);
        }),
    };
  }

  /** Every received frame (all systems), after the registry has reduced it. */
  onFrame$(listener: (r: Received) => void): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  snapshot(): (VehicleSnapshot & { info: VehicleInfo })[] {
    const now = this.clock.now();
    return [...this.entries.values()].map((e) => ({ ...vehicleSnapshot(e.state, now), info: this.info(e) }));
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) this.clock.clearInterval(t);
    for (const off of this.connections.values()) off();
    this.connections.clear();
    for (const e of this.entries.values()) e.queue.close();
  }

  private entryOf(sysid: number): Entry | undefined {
    let best: Entry | undefined;
    for (const e of this.entries.values()) if (e.sysid === sysid && (!best || e.compid < best.compid)) best = e;
    return best;
  }

  private info(e: Entry): VehicleInfo {
    return {
      sysid: e.sysid,
      compid: e.compid,
      lost: e.lost,
      duplicateSysid: e.dup.flagged,
      unsignedFrames: e.unsignedFrames,
      links: [...e.paths.values()].map(({ link, peer, lastRxMs }) => ({ link, peer, lastRxMs })),
      components: [...(this.components.get(e.sysid)?.values() ?? [])],
      streams: e.streams,
    };
  }

  private emit(e: RegistryEvent): void {
    for (const l of [...this.listeners]) l(e);
  }

  private bestPath(e: Entry): Path | undefined {
    let best: Path | undefined;
    for (const p of e.paths.values()) if (!best || p.lastRxMs > best.lastRxMs) best = p;
    return best;
  }

  private createEntry(sysid: number, compid: number, hb: minimal.Heartbeat): Entry {
    const entry: Entry = {
      sysid,
      compid,
      state: initialVehicleState(sysid, compid, hb.autopilot, hb.type),
      paths: new Map(),
      lost: false,
      dup: emptyDuplicateState(),
      dupReported: false,
      unsignedFrames: 0,
      streamGen: 0,
      streams: null,
      homeAskedMs: this.clock.now(),
      seenMs: new Map(),
      expected: [],
      streamsAtMs: 0,
      missing: new Map(),
      hbResumedMs: 0,
      link: {
        send: (m) => {
          const p = this.bestPath(entry);
          return p ? p.connection.send(m, p.peer) : false;
        },
        onMessage: (l) => this.onFrame$((r) => r.frame.sysid === sysid && l(r)),
      },
      queue: undefined as unknown as CommandQueue,
    };
    entry.queue = new CommandQueue({
      clock: this.clock,
      link: entry.link,
      gcsSysid: this.gcsSysid,
      gcsCompid: this.gcsCompid,
      rttMs: () => entry.state.rttMs,
      onRtt: (rttMs) => {
        entry.state = reduceVehicleOwned(entry.state, { type: 'rtt', rttMs, atMs: this.clock.now() }).state;
      },
    });
    return entry;
  }

  private startStreams(e: Entry): void {
    if (this.o.requestStreams === false) return;
    const gen = ++e.streamGen;
    const target = { sysid: e.sysid, compid: e.compid };
    e.expected = [];
    e.missing.clear();
    void requestStreams({
      target,
      quirks: quirksFor(e.state.autopilot),
      ratesHz: this.rates,
      command: (spec) => e.queue.run(spec).result,
      send: (m) => e.link.send(m),
      current: () => !this.closed && !e.lost && e.streamGen === gen,
    }).then((out) => {
      if (e.streamGen !== gen || this.closed) return;
      e.streams = out.method;
      e.expected = out.expected;
      e.streamsAtMs = this.clock.now();
      this.emit({ type: 'streams-requested', ...target, method: out.method });
      for (const [message, refused] of Object.entries(out.refused)) {
        const msgid = STREAM_MESSAGE_IDS[message] ?? 0;
        // Only ArduPilot knows EKF_STATUS_REPORT; another autopilot refusing it is no news.
        if (message === 'EKF_STATUS_REPORT' && e.state.autopilot !== minimal.MavAutopilot.ARDUPILOTMEGA) continue;
        this.emit({ type: 'stream-missing', ...target, message, msgid, hz: this.rates[message] ?? 0, silentMs: 0, usedFor: STREAM_USED_FOR[message] ?? '', refused });
      }
    });
  }

  private onHeartbeat(connection: RegistryConnection, r: Received, hb: minimal.Heartbeat): Entry | undefined {
    const { sysid, compid } = r.frame;
    if (hb.type === minimal.MavType.GCS) return undefined;
    if (hb.autopilot === minimal.MavAutopilot.INVALID) {
      let comps = this.components.get(sysid);
      if (!comps) this.components.set(sysid, (comps = new Map()));
      const isNew = !comps.has(compid);
      comps.set(compid, { compid, mavType: hb.type, autopilot: hb.autopilot, lastHbMs: r.atMs });
      const owner = this.entryOf(sysid);
      if (isNew && owner) this.emit({ type: 'component-new', sysid, compid: owner.compid, componentId: compid, mavType: hb.type });
      return undefined;
    }
    const key = `${sysid}:${compid}`;
    let e = this.entries.get(key);
    let fresh = false;
    if (!e) {
      e = this.createEntry(sysid, compid, hb);
      this.entries.set(key, e);
      fresh = true;
    }
    const pathKey = `${connection.name}|${r.peer}`;
    e.dup = onPathHeartbeat(e.dup, pathKey, { seq: r.frame.seq, autopilot: hb.autopilot, vehicleType: hb.type }, r.atMs);
    if (fresh) this.emit({ type: 'vehicle-new', sysid, compid });
    if (e.lost) {
      e.lost = false;
      this.emit({ type: 'vehicle-regained', sysid, compid });
      this.startStreams(e);
    }
    return e;
  }

  private onFrame(connection: RegistryConnection, r: Received): void {
    if (this.closed) return;
    const { frame, message } = r;
    let e: Entry | undefined;
    let fresh = false;
    if (message instanceof minimal.Heartbeat) {
      const before = this.entries.size;
      e = this.onHeartbeat(connection, r, message);
      fresh = this.entries.size > before;
      // Other components' heartbeats still count for the vehicle's link statistics.
      if (!e && message.type !== minimal.MavType.GCS) e = this.entryOf(frame.sysid);
    } else {
      e = this.entries.get(`${frame.sysid}:${frame.compid}`) ?? this.entryOf(frame.sysid);
    }
    if (e) this.apply(e, connection, r, fresh);
    for (const l of [...this.frameListeners]) l(r);
  }

  private apply(e: Entry, connection: RegistryConnection, r: Received, fresh: boolean): void {
    const { frame, message } = r;
    const pathKey = `${connection.name}|${r.peer}`;
    if (r.flaggedUnsigned) {
      e.unsignedFrames++;
      if (e.unsignedFrames === 1) this.emit({ type: 'unsigned-flagged', sysid: e.sysid, compid: e.compid, link: connection.name });
    }
    const path = e.paths.get(pathKey);
    if (path) path.lastRxMs = r.atMs;
    else e.paths.set(pathKey, { connection, link: connection.name, peer: r.peer, lastRxMs: r.atMs });
    const prev = e.state;
    const { state, texts } = reduceVehicleOwned(prev, {
      type: 'frame',
      link: connection.name,
      sysid: frame.sysid,
      compid: frame.compid,
      seq: frame.seq,
      msgid: frame.msgid,
      message,
      atMs: r.atMs,
    });
    e.state = state;
    const ids = { sysid: e.sysid, compid: e.compid };
    if (frame.compid === e.compid) {
      if (message instanceof minimal.Heartbeat && prev.lastHeartbeatMs !== null && r.atMs - prev.lastHeartbeatMs > HEARTBEAT_GAP_MS) e.hbResumedMs = r.atMs;
      if (e.missing.size > 0) this.restored(e, frame.msgid, r.atMs);
      e.seenMs.set(frame.msgid, r.atMs);
    }
    if (message instanceof standard.GlobalPositionInt && frame.compid === e.compid) {
      e.dup = onPathPosition(e.dup, pathKey, message.lat / 1e7, message.lon / 1e7, r.atMs);
    }
    if (prev.lastHeartbeatMs !== null && message instanceof minimal.Heartbeat && frame.compid === e.compid) {
      if (prev.mode !== state.mode) this.emit({ type: 'mode-changed', ...ids, from: prev.mode, to: state.mode });
      if (!prev.armed && state.armed) this.emit({ type: 'armed', ...ids });
      if (prev.armed && !state.armed) this.emit({ type: 'disarmed', ...ids });
    }
    for (const entry of texts) this.emit({ type: 'statustext', ...ids, entry });
    if (e.dup.flagged && !e.dupReported) {
      e.dupReported = true;
      this.emit({ type: 'duplicate-sysid', ...ids, reason: e.dup.flagged, links: [...e.paths.values()].map((p) => p.link) });
    }
    if (fresh) this.startStreams(e);
    else if (state.reboots > prev.reboots) {
      this.emit({ type: 'vehicle-rebooted', ...ids });
      this.startStreams(e);
    }
  }

  private restored(e: Entry, msgid: number, atMs: number): void {
    for (const name of e.missing.keys()) {
      if (STREAM_MESSAGE_IDS[name] !== msgid) continue;
      e.missing.delete(name);
      const before = e.seenMs.get(msgid);
      this.emit({ type: 'stream-restored', sysid: e.sysid, compid: e.compid, message: name, msgid, silentMs: atMs - Math.max(e.streamsAtMs, before ?? 0) });
    }
  }

  /** Name what has stopped coming (once), and ask for it again at each silence limit. */
  private checkStreams(e: Entry, now: number): void {
    if (e.lost || e.streams === null || e.expected.length === 0) return;
    // Judged only while the vehicle is heard: a silent link is `vehicle-lost`'s business, not a stream's.
    const hb = e.state.lastHeartbeatMs;
    if (hb === null || now - hb > HEARTBEAT_GAP_MS) return;
    for (const s of silentStreams(e.expected, this.rates, e.seenMs, Math.max(e.streamsAtMs, e.hbResumedMs), now)) {
      const askedMs = e.missing.get(s.name);
      if (askedMs !== undefined && now - askedMs < silenceLimitMs(s.hz)) continue;
      if (askedMs === undefined) this.emit({ type: 'stream-missing', sysid: e.sysid, compid: e.compid, message: s.name, msgid: s.id, hz: s.hz, silentMs: s.silentMs, usedFor: s.usedFor });
      e.missing.set(s.name, now);
      reRequest({ target: { sysid: e.sysid, compid: e.compid }, ratesHz: this.rates, command: (spec) => e.queue.run(spec).result, send: (m) => e.link.send(m) }, e.streams, s.name);
    }
  }

  private checkLost(): void {
    const now = this.clock.now();
    const homeRetryMs = this.o.homeRetryMs ?? 5000;
    for (const e of this.entries.values()) {
      const last = e.state.lastHeartbeatMs;
      if (!e.lost && last !== null && now - last > this.lostAfterMs) {
        e.lost = true;
        this.emit({ type: 'vehicle-lost', sysid: e.sysid, compid: e.compid });
      }
      this.checkStreams(e, now);
      if (homeRetryMs > 0 && !e.lost && e.streams !== null && e.state.home === null && now - e.homeAskedMs >= homeRetryMs) {
        e.homeAskedMs = now;
        void e.queue.run({
          kind: 'long',
          command: common.MavCmd.REQUEST_MESSAGE,
          params: [242 /* HOME_POSITION */],
          targetSystem: e.sysid,
          targetComponent: e.compid,
        }).result;
      }
    }
  }

  private sendTimesync(): void {
    for (const [conn] of this.connections) {
      const heard = [...this.entries.values()].some((e) => !e.lost && [...e.paths.values()].some((p) => p.connection === conn));
      if (!heard) continue;
      const tsNs = BigInt(Math.round(this.clock.now())) * 1_000_000n;
      conn.send(make(common.TimeSync, { tc1: 0n, ts1: tsNs, targetSystem: 0, targetComponent: 0 }));
    }
  }
}
