/**
 * One drone as the station knows it. The registry (registry.ts) creates it on the first HEARTBEAT of an
 * autopilot component and hands it every frame of its system; the Vehicle owns what follows from them:
 *
 *  - its live state, reduced from each frame (vehicle-state.ts, the owner's path: counters in place);
 *  - its paths (link + peer) and the link that sends on the freshest one and hears them all, and its
 *    command queue (command-queue.ts) on that link;
 *  - the telemetry streams it was asked for (streams.ts) and the watch over them: a message silent for a few
 *    of its intervals is `stream-missing` (once, until it is back: `stream-restored`) and asked for again at each
 *    silence limit; HOME_POSITION is asked for again while home is unknown;
 *  - duplicate-sysid evidence (duplicate-sysid.ts) and unsigned frames under `--unsigned flag`;
 *  - its services, made on first use from the vehicle itself: `commands` (camera included), `missions`,
 *    `files` (parameters and logs over one MAVFTP client);
 *  - its battery estimate (battery-estimate.ts): each SYS_STATUS / BATTERY_STATUS steps it and puts the time
 *    left into the state; what it learns is read from the data folder and written back (battery-store.ts)
 *    each CHECKPOINT_MS of flight, when a flight ends and when the vehicle is closed (the station stopping), so
 *    a station stopped or killed mid-flight loses at most a minute of it. The file holds the model as a whole
 *    (not what a flight added), and a restarted station learns only from the readings it hears itself: the
 *    part of a flight already saved is never counted twice.
 *
 * What it notices it reports through the registry's events (RegistryEvent).
 */
import { common, minimal, standard } from 'mavlink-mappings';
import type { Clock } from '../../common/clock.js';
import { make, type MavLinkData } from '../../mavlink/codec/messages.js';
import type { Received } from '../../mavlink/connection.js';
import { quirksFor } from '../../mavlink/quirks.js';
import type { CommandOptions, CommandResult, CommandSpec } from '../../mavlink/services/command.js';
import type { MessageLink } from '../../mavlink/services/driver.js';
import type { PeerId, TransportStatus } from '../../mavlink/transport/types.js';
import { batteryReadingOf, batteryTimeLeft, emptyBatteryLive, emptyBatteryModel, stepBattery, type BatteryLive, type BatteryModel } from './battery-estimate.js';
import { BATTERY_PARAM_NAMES, batteryPrior, modelUnderCapacity, noBatteryParams, validCapacityMah, type BatteryParams, type BatteryPrior } from './battery-prior.js';
import { CHECKPOINT_MS, loadBatteryModel, saveBatteryModel } from './battery-store.js';
import { CommandQueue } from './command-queue.js';
import { VehicleCommands, type CommandsOptions } from './commands.js';
import { emptyDuplicateState, forgetPath, onPathHeartbeat, onPathPosition, type DuplicateState } from './duplicate-sysid.js';
import { createVehicleFiles, type VehicleFiles } from './files.js';
import { cachedParams, loadCacheSync } from './params-cache.js';
import { COPTER_RETURN_PARAM_NAMES } from '../../missions/plan/copter-return.js';
import type { Param } from '../../mavlink/services/param/types.js';
import { VehicleMissions } from './mission-transfer.js';
import type { StatusTextEntry } from './statustext.js';
import { STREAM_MESSAGE_IDS, STREAM_TABLE, reRequest, requestStreams, silenceLimitMs, silentStreams, type StreamMethod } from './streams.js';
import { initialVehicleState, reduceVehicleOwned, vehicleSnapshot, type VehicleSnapshot, type VehicleState } from './vehicle-state.js';
import type { ComponentInfo, PathInfo, RegistryEvent, VehicleHandle, VehicleInfo } from './vehicle-types.js';

/** What a Vehicle needs of the station's side of the wire. */
export interface RegistryConnection {
  readonly name: string;
  send(message: MavLinkData, peer?: PeerId): unknown;
  onMessage(listener: (r: Received) => void): () => void;
  /** Link status; a `disconnected` peer's paths are forgotten (UDP port churn must not grow the registry). */
  onStatus?(listener: (s: TransportStatus) => void): () => void;
}

export interface VehicleOptions {
  sysid: number;
  compid: number;
  /** From the first HEARTBEAT. */
  autopilot: number;
  vehicleType: number;
  clock: Clock;
  gcsSysid: number;
  gcsCompid: number;
  /** Stream rates asked for, by message name (DEFAULT_STREAM_RATES_HZ merged with the station's). */
  ratesHz: Readonly<Record<string, number>>;
  /** Ask for streams on appearance, reboot and return (default true). */
  requestStreams?: boolean;
  /** The station's data folder (parameter cache, downloaded logs); without one `files` is undefined. */
  dataDir?: string;
  commands?: CommandsOptions;
  /** The battery reserve (%) the time left counts down to (the fleet's reserve_percent; default 25). */
  batteryReservePct?: number;
  /** The registry's side: its events out and in, every frame it has reduced, the other components of the system. */
  emit(e: RegistryEvent): void;
  on(listener: (e: RegistryEvent) => void): () => void;
  hear(listener: (r: Received) => void): () => void;
  components(): ComponentInfo[];
}

/** HEARTBEATs are 1 Hz: a longer gap means the link (or the vehicle) was silent. */
export const HEARTBEAT_GAP_MS = 2500;
const STREAM_USED_FOR: Readonly<Record<string, string>> = Object.fromEntries(STREAM_TABLE.map((t) => [t.name, t.usedFor]));

interface Path extends PathInfo { connection: RegistryConnection }

export class Vehicle implements VehicleHandle, VehicleInfo {
  readonly sysid: number;
  readonly compid: number;
  readonly clock: Clock;
  readonly gcsSysid: number;
  readonly gcsCompid: number;
  readonly link: MessageLink;
  readonly queue: CommandQueue;
  private s: VehicleState;
  private readonly paths = new Map<string, Path>();
  private isLost = false;
  private dup: DuplicateState = emptyDuplicateState();
  private dupReported = false;
  private unsigned = 0;
  private streamGen = 0;
  private streamMethod: StreamMethod | null = null;
  /** When HOME_POSITION was last asked for while the vehicle's home was unknown. */
  private homeAskedMs: number;
  /** Last arrival per message id (the autopilot component's frames). */
  private readonly seenMs = new Map<number, number>();
  /** Messages the vehicle should be sending since `streamsAtMs`. */
  private expected: string[] = [];
  private streamsAtMs = 0;
  /** Messages reported missing → when last asked for again. */
  private readonly missing = new Map<string, number>();
  /** When HEARTBEATs resumed after a gap: a silent link is the link's fault, not a stream's. */
  private hbResumedMs = 0;
  private closed = false;
  private cmds: VehicleCommands | undefined;
  private mission: VehicleMissions | undefined;
  private fileServices: VehicleFiles | undefined;
  private battLive: BatteryLive = emptyBatteryLive();
  private battModel: BatteryModel = emptyBatteryModel();
  private battSaving: Promise<unknown> = Promise.resolve();
  /** The parameters the console's route estimate reads, as last read from the drone (VehicleInfo.copterParams). */
  private copterSet: Record<string, number> | undefined;
  /** The model as last written or read (nothing to write while it is this one). */
  private battSaved: BatteryModel = this.battModel;
  /** Frame time of the last write in this flight (or of the take-off); null on the ground. */
  private battCheckpointMs: number | null = null;
  /** The autopilot's battery parameters as heard (PARAM_VALUE), the prior made from them, and the asking. */
  private battParams: BatteryParams = noBatteryParams();
  private battPrior: BatteryPrior | null = null;
  private battParamAsks = 0;
  private battParamAskedMs = Number.NEGATIVE_INFINITY;
  private battCapacityReported = false;

  constructor(private readonly o: VehicleOptions) {
    this.sysid = o.sysid;
    this.compid = o.compid;
    this.clock = o.clock;
    this.gcsSysid = o.gcsSysid;
    this.gcsCompid = o.gcsCompid;
    this.s = initialVehicleState(o.sysid, o.compid, o.autopilot, o.vehicleType);
    this.homeAskedMs = o.clock.now();
    if (o.dataDir !== undefined) {
      const cache = loadCacheSync(o.dataDir, o.sysid);
      if (cache) this.paramsRead(cachedParams(cache), true);
      const m = loadBatteryModel(o.dataDir, o.sysid);
      if (m.ok && m.value) this.battModel = this.battSaved = m.value;
      // Reported once the registry has announced the vehicle (the constructor runs before vehicle-new).
      else if (!m.ok) queueMicrotask(() => o.emit({ type: 'battery-model', sysid: o.sysid, compid: o.compid, problem: 'rejected', reason: m.reason }));
    }
    this.link = {
      send: (m) => {
        const p = this.bestPath();
        return p ? p.connection.send(m, p.peer) : false;
      },
      onMessage: (l) => o.hear((r) => r.frame.sysid === this.sysid && l(r)),
    };
    this.queue = new CommandQueue({
      clock: o.clock,
      link: this.link,
      gcsSysid: o.gcsSysid,
      gcsCompid: o.gcsCompid,
      rttMs: () => this.s.rttMs,
      onRtt: (rttMs) => {
        this.s = reduceVehicleOwned(this.s, { type: 'rtt', rttMs, atMs: this.clock.now() }).state;
      },
    });
  }

  // ------------------------------------------------------------------ what the station reads

  state(): VehicleState {
    return this.s;
  }
  get lost(): boolean {
    return this.isLost;
  }
  get duplicateSysid(): string | null {
    return this.dup.flagged;
  }
  get unsignedFrames(): number {
    return this.unsigned;
  }
  get links(): PathInfo[] {
    return [...this.paths.values()].map(({ link, peer, lastRxMs }) => ({ link, peer, lastRxMs }));
  }
  get components(): ComponentInfo[] {
    return this.o.components();
  }
  get streams(): StreamMethod | null {
    return this.streamMethod;
  }

  /** How the station hears the vehicle, as plain data. */
  info(): VehicleInfo {
    return {
      sysid: this.sysid,
      compid: this.compid,
      lost: this.isLost,
      duplicateSysid: this.dup.flagged,
      unsignedFrames: this.unsigned,
      links: this.links,
      components: this.components,
      streams: this.streamMethod,
      ...(this.copterSet ? { copterParams: { ...this.copterSet } } : {}),
    };
  }

  /** What the console gets of it: the state with rates, loss and texts made readable (vehicleSnapshot), and `info`. */
  view(nowMs = this.clock.now()): VehicleSnapshot & { info: VehicleInfo } {
    const view = vehicleSnapshot(this.s, nowMs) as VehicleSnapshot & { info: VehicleInfo };
    view.info = this.info();
    return view;
  }

  // ------------------------------------------------------------------ what a service is built from

  /** One command transaction on the command queue (`queue.run` gives the transaction itself, with its progress). */
  run(spec: CommandSpec, options?: CommandOptions): Promise<CommandResult> {
    return this.queue.run(spec, options).result;
  }
  send(message: MavLinkData): unknown {
    return this.link.send(message);
  }
  onStatusText(cb: (e: StatusTextEntry) => void): () => void {
    return this.o.on((ev) => ev.type === 'statustext' && ev.sysid === this.sysid && cb(ev.entry));
  }
  onHeartbeat(cb: (s: VehicleState) => void): () => void {
    return this.o.hear((r) => {
      if (r.frame.sysid === this.sysid && r.frame.compid === this.compid && r.message instanceof minimal.Heartbeat) cb(this.s);
    });
  }

  // ------------------------------------------------------------------ its services

  /** Arm, modes, take-off, go-to, camera … (commands.ts). */
  get commands(): VehicleCommands {
    return (this.cmds ??= new VehicleCommands(this, this.o.commands));
  }
  /** Mission, fence and rally transfers, queued per vehicle (mission-transfer.ts). */
  get missions(): VehicleMissions {
    return (this.mission ??= new VehicleMissions(this));
  }
  /** Parameters (pull/set, cached per drone) and onboard logs; undefined without a data folder. */
  get files(): VehicleFiles | undefined {
    if (this.o.dataDir === undefined) return undefined;
    return (this.fileServices ??= createVehicleFiles(this, this.o.dataDir, (ps, whole) => this.paramsRead(ps, whole)));
  }

  /** Parameters read from the drone (a whole set, or one set): keeps those the console's route estimate reads. */
  paramsRead(params: readonly Param[], whole: boolean): void {
    const next: Record<string, number> = whole ? {} : { ...this.copterSet };
    for (const p of params) if (COPTER_RETURN_PARAM_NAMES.includes(p.name) && Number.isFinite(p.value)) next[p.name] = p.value;
    this.copterSet = Object.keys(next).length ? next : undefined;
  }
  get copterParams(): Record<string, number> | undefined {
    return this.copterSet && { ...this.copterSet };
  }

  // ------------------------------------------------------------------ the registry's side

  /** An autopilot HEARTBEAT on `pathKey`: duplicate-sysid evidence; back from lost → `vehicle-regained`. */
  heartbeat(pathKey: string, r: Received, hb: minimal.Heartbeat): void {
    this.dup = onPathHeartbeat(this.dup, pathKey, { seq: r.frame.seq, autopilot: hb.autopilot, vehicleType: hb.type }, r.atMs);
    if (!this.isLost) return;
    this.isLost = false;
    this.o.emit({ type: 'vehicle-regained', sysid: this.sysid, compid: this.compid });
    this.startStreams();
  }

  /** One frame of the vehicle's system, heard on `connection`; `fresh` for the HEARTBEAT that made the vehicle. */
  receive(connection: RegistryConnection, r: Received, fresh: boolean): void {
    const { frame, message } = r;
    const pathKey = `${connection.name}|${r.peer}`;
    const ids = { sysid: this.sysid, compid: this.compid };
    if (r.flaggedUnsigned && ++this.unsigned === 1) this.o.emit({ type: 'unsigned-flagged', ...ids, link: connection.name });
    const path = this.paths.get(pathKey);
    if (path) path.lastRxMs = r.atMs;
    else this.paths.set(pathKey, { connection, link: connection.name, peer: r.peer, lastRxMs: r.atMs });
    const prev = this.s;
    const { state, texts } = reduceVehicleOwned(prev, { type: 'frame', link: connection.name, sysid: frame.sysid, compid: frame.compid, seq: frame.seq, msgid: frame.msgid, message, atMs: r.atMs });
    this.s = state;
    const own = frame.compid === this.compid;
    const heartbeat = own && message instanceof minimal.Heartbeat;
    if (own && message instanceof common.ParamValue) this.batteryParam(message);
    if (own && state !== prev && (message instanceof common.SysStatus || message instanceof common.BatteryStatus)) this.battery(r.atMs);
    if (own) {
      if (heartbeat && prev.lastHeartbeatMs !== null && r.atMs - prev.lastHeartbeatMs > HEARTBEAT_GAP_MS) this.hbResumedMs = r.atMs;
      if (this.missing.size > 0) this.restored(frame.msgid, r.atMs);
      this.seenMs.set(frame.msgid, r.atMs);
      if (message instanceof standard.GlobalPositionInt) this.dup = onPathPosition(this.dup, pathKey, message.lat / 1e7, message.lon / 1e7, r.atMs);
    }
    if (heartbeat && prev.lastHeartbeatMs !== null) {
      if (prev.mode !== state.mode) this.o.emit({ type: 'mode-changed', ...ids, from: prev.mode, to: state.mode });
      if (!prev.armed && state.armed) this.o.emit({ type: 'armed', ...ids });
      if (prev.armed && !state.armed) this.o.emit({ type: 'disarmed', ...ids });
    }
    for (const entry of texts) this.o.emit({ type: 'statustext', ...ids, entry });
    if (this.dup.flagged && !this.dupReported) {
      this.dupReported = true;
      this.o.emit({ type: 'duplicate-sysid', ...ids, reason: this.dup.flagged, links: [...this.paths.values()].map((p) => p.link) });
    }
    if (fresh) this.startStreams();
    else if (state.reboots > prev.reboots) {
      this.o.emit({ type: 'vehicle-rebooted', ...ids });
      this.startStreams();
    }
  }

  /** The clock's tick (every 250 ms): silence → `vehicle-lost`, the streams' watch, home asked for again. */
  tick(now: number, lostAfterMs: number, homeRetryMs: number): void {
    const last = this.s.lastHeartbeatMs;
    if (!this.isLost && last !== null && now - last > lostAfterMs) {
      this.isLost = true;
      this.o.emit({ type: 'vehicle-lost', sysid: this.sysid, compid: this.compid });
    }
    this.checkStreams(now);
    this.askBatteryParams(now);
    if (homeRetryMs > 0 && !this.isLost && this.streamMethod !== null && this.s.home === null && now - this.homeAskedMs >= homeRetryMs) {
      this.homeAskedMs = now;
      void this.run({ kind: 'long', command: common.MavCmd.REQUEST_MESSAGE, params: [242 /* HOME_POSITION */], targetSystem: this.sysid, targetComponent: this.compid });
    }
  }

  /** Forget the paths `gone` names (a disconnected peer, a removed link). */
  forgetPaths(gone: (key: string, p: Path) => boolean): void {
    for (const [k, p] of this.paths) {
      if (!gone(k, p)) continue;
      this.paths.delete(k);
      this.dup = forgetPath(this.dup, k);
    }
  }

  /** Heard (and not lost) on this connection. */
  heardOn(connection: RegistryConnection): boolean {
    if (this.isLost) return false;
    for (const p of this.paths.values()) if (p.connection === connection) return true;
    return false;
  }

  /** Stop: the battery model learned since its last write is written (batterySaved() settles when it is). */
  close(): void {
    if (!this.closed && this.battModel !== this.battSaved) this.saveBattery(this.battModel);
    this.closed = true;
    this.queue.close();
    this.mission?.close();
    this.fileServices?.params.cancel();
    this.fileServices?.logs.cancel();
  }

  /** What the drone's flights taught about its battery (battery-estimate.ts). */
  get batteryModel(): BatteryModel {
    return this.battModel;
  }
  /** What the autopilot's parameters say of its pack (battery-prior.ts); null until they are heard and sane. */
  get batteryPrior(): BatteryPrior | null {
    return this.battPrior;
  }

  /** Settles when the battery model's writes asked for so far are done (or failed: a battery-model event). */
  batterySaved(): Promise<void> {
    return this.battSaving.then(() => undefined);
  }

  /**
   * Step the battery estimate with the state a battery message left. What it learned is written each
   * CHECKPOINT_MS of flight (frame time: the injected clock's) and when the flight ends.
   */
  private battery(atMs: number): void {
    const wasFlying = this.battLive.flying;
    const out = stepBattery(this.battLive, this.battModel, batteryReadingOf(this.s, atMs));
    this.battLive = out.live;
    this.battModel = out.model;
    // BATT_CAPACITY heard before the pack's voltage: the cell count may come from the voltage.
    if (this.battPrior === null && validCapacityMah(this.battParams.BATT_CAPACITY) !== null) this.makeBatteryPrior();
    const left = batteryTimeLeft(out.live, out.model, this.o.batteryReservePct ?? 25, this.battPrior);
    const b = this.s.battery;
    if (b && (b.timeLeftS !== left.seconds || b.timeLeftKind !== left.kind || (b.timeLeftSource ?? null) !== left.source))
      this.s = { ...this.s, battery: { ...b, timeLeftS: left.seconds, timeLeftKind: left.kind, timeLeftSource: left.source } };
    if (!out.live.flying) this.battCheckpointMs = null;
    else if (!wasFlying || this.battCheckpointMs === null || atMs < this.battCheckpointMs) this.battCheckpointMs = atMs;
    const due = out.landed || (this.battCheckpointMs !== null && atMs - this.battCheckpointMs >= CHECKPOINT_MS);
    if (due && out.model !== this.battSaved) {
      if (this.battCheckpointMs !== null) this.battCheckpointMs = atMs;
      this.saveBattery(out.model);
    }
  }

  /** A battery parameter heard (asked for by us or anyone, or a change echoed): the prior is made again. */
  private batteryParam(m: common.ParamValue): void {
    // ArduPilot sends every parameter as its value in the float (cast); another autopilot's names differ.
    if (this.s.autopilot !== minimal.MavAutopilot.ARDUPILOTMEGA) return;
    const name = (BATTERY_PARAM_NAMES as readonly string[]).includes(m.paramId) ? (m.paramId as keyof BatteryParams) : undefined;
    if (!name) return;
    const value = Number.isFinite(m.paramValue) ? m.paramValue : Number.NaN;
    if (Object.is(this.battParams[name], value)) return;
    this.battParams = { ...this.battParams, [name]: value };
    // Said once until a sane one is heard: a drone sending ever other hostile values does not flood the events.
    if (name === 'BATT_CAPACITY' && validCapacityMah(value) !== null) {
      this.battCapacityReported = false;
      this.batteryCapacity(value);
    }
    else if (name === 'BATT_CAPACITY' && !this.battCapacityReported) {
      this.battCapacityReported = true;
      this.o.emit({ type: 'battery-model', sysid: this.sysid, compid: this.compid, problem: 'rejected', reason: `BATT_CAPACITY ${value} mAh is no pack's capacity: no first estimate from it` });
    }
    this.makeBatteryPrior();
  }

  /**
   * A valid BATT_CAPACITY heard: the model is kept under it (battery-prior.ts modelUnderCapacity). Learned
   * under another capacity, its Wh per % bands are dropped, said once (a battery-model event) and written.
   */
  private batteryCapacity(mah: number): void {
    const r = modelUnderCapacity(this.battModel, mah);
    if (r.model === this.battModel) return;
    this.battModel = r.model;
    if (r.dropped !== null)
      this.o.emit({ type: 'battery-model', sysid: this.sysid, compid: this.compid, problem: 'capacity-changed', reason: `BATT_CAPACITY ${r.dropped} → ${mah} mAh` });
    // Written at once when there is something learned to keep with it (a drone on the ground writes nothing else
    // until it flies); an empty model keeps it for its first write.
    const learned = r.model.steps.some((n) => n > 0) || r.model.flightW !== null;
    if (!this.closed && learned) this.saveBattery(r.model);
  }

  private makeBatteryPrior(): void {
    const b = this.s.battery;
    this.battPrior = batteryPrior(this.battParams, b?.voltageV ?? null, b?.remainingPct ?? null);
  }

  /** Ask an ArduPilot for the parameters of the prior it has not told (three times at most, 5 s apart). */
  private askBatteryParams(now: number): void {
    if (this.o.requestStreams === false || this.isLost || this.streamMethod === null || this.battParamAsks >= 3) return;
    if (this.s.autopilot !== minimal.MavAutopilot.ARDUPILOTMEGA || now - this.battParamAskedMs < 5000) return;
    const missing = BATTERY_PARAM_NAMES.filter((n) => this.battParams[n] === null);
    if (missing.length === 0) return;
    this.battParamAsks++;
    this.battParamAskedMs = now;
    for (const paramId of missing) this.send(make(common.ParamRequestRead, { targetSystem: this.sysid, targetComponent: this.compid, paramId, paramIndex: -1 }));
  }

  /** Write the model (one write at a time, in order); a failure is a battery-model event. */
  private saveBattery(model: BatteryModel): void {
    const dir = this.o.dataDir;
    if (dir === undefined) return;
    this.battSaved = model;
    this.battSaving = this.battSaving.then(async () => {
      const saved = await saveBatteryModel(dir, this.sysid, model);
      if (!saved.ok) this.o.emit({ type: 'battery-model', sysid: this.sysid, compid: this.compid, problem: 'write-failed', reason: saved.reason });
    });
  }

  // ------------------------------------------------------------------ streams

  private bestPath(): Path | undefined {
    let best: Path | undefined;
    for (const p of this.paths.values()) if (!best || p.lastRxMs > best.lastRxMs) best = p;
    return best;
  }

  private startStreams(): void {
    if (this.o.requestStreams === false) return;
    const gen = ++this.streamGen;
    const target = { sysid: this.sysid, compid: this.compid };
    this.expected = [];
    this.missing.clear();
    void requestStreams({
      target,
      quirks: quirksFor(this.s.autopilot),
      ratesHz: this.o.ratesHz,
      command: (spec) => this.run(spec),
      send: (m) => this.send(m),
      current: () => !this.closed && !this.isLost && this.streamGen === gen,
    }).then((out) => {
      if (this.streamGen !== gen || this.closed) return;
      this.streamMethod = out.method;
      this.expected = out.expected;
      this.streamsAtMs = this.clock.now();
      this.o.emit({ type: 'streams-requested', ...target, method: out.method });
      for (const [message, refused] of Object.entries(out.refused)) {
        const msgid = STREAM_MESSAGE_IDS[message] ?? 0;
        // Only ArduPilot knows EKF_STATUS_REPORT; another autopilot refusing it is no news.
        if (message === 'EKF_STATUS_REPORT' && this.s.autopilot !== minimal.MavAutopilot.ARDUPILOTMEGA) continue;
        this.o.emit({ type: 'stream-missing', ...target, message, msgid, hz: this.o.ratesHz[message] ?? 0, silentMs: 0, usedFor: STREAM_USED_FOR[message] ?? '', refused });
      }
    });
  }

  private restored(msgid: number, atMs: number): void {
    for (const name of this.missing.keys()) {
      if (STREAM_MESSAGE_IDS[name] !== msgid) continue;
      this.missing.delete(name);
      const before = this.seenMs.get(msgid);
      this.o.emit({ type: 'stream-restored', sysid: this.sysid, compid: this.compid, message: name, msgid, silentMs: atMs - Math.max(this.streamsAtMs, before ?? 0) });
    }
  }

  /** Name what has stopped coming (once), and ask for it again at each silence limit. */
  private checkStreams(now: number): void {
    const method = this.streamMethod;
    if (this.isLost || method === null || this.expected.length === 0) return;
    // Judged only while the vehicle is heard: a silent link is `vehicle-lost`'s business, not a stream's.
    const hb = this.s.lastHeartbeatMs;
    if (hb === null || now - hb > HEARTBEAT_GAP_MS) return;
    const rates = this.o.ratesHz;
    for (const s of silentStreams(this.expected, rates, this.seenMs, Math.max(this.streamsAtMs, this.hbResumedMs), now)) {
      const askedMs = this.missing.get(s.name);
      if (askedMs !== undefined && now - askedMs < silenceLimitMs(s.hz)) continue;
      if (askedMs === undefined) this.o.emit({ type: 'stream-missing', sysid: this.sysid, compid: this.compid, message: s.name, msgid: s.id, hz: s.hz, silentMs: s.silentMs, usedFor: s.usedFor });
      this.missing.set(s.name, now);
      reRequest({ target: { sysid: this.sysid, compid: this.compid }, ratesHz: rates, command: (spec) => this.run(spec), send: (m) => this.send(m) }, method, s.name);
    }
  }
}
