/**
 * Video sources discovered from the drones: the station asks each drone for VIDEO_STREAM_INFORMATION (MAVLink
 * camera protocol v2) and gives what it announces to the VideoHub (`hub.addSource`), where a configured source
 * (`--video`, the fleet file's `video`) always wins.
 *
 * Decisions, with their sources (third-party code read through the search index, not copied):
 *
 *  - Whom to ask. Every camera component of the drone's system: a HEARTBEAT with MAV_TYPE_CAMERA (30) or from
 *    MAV_COMP_ID_CAMERA..CAMERA6 (100–105) — mavlink-camera-manager sends type CAMERA, autopilot INVALID, one
 *    component per stream from 100 up (src/lib/mavlink/mavlink_camera.rs); QGroundControl asks every component
 *    that heartbeats (QGCCameraManager::_handleHeartbeat). And the autopilot itself: ArduPilot 4.6+ answers for
 *    its own cameras (AP_Camera backends, CAMn_TYPE; the stream filled in by the `video-stream-information.lua`
 *    applet, AP_Camera_Backend::send_video_stream_information).
 *  - The request. MAV_CMD_REQUEST_MESSAGE param1 = 269, param2 = 0 (all streams; common.xml VIDEO_STREAM_INFORMATION),
 *    as COMMAND_LONG (mavlink-camera-manager handles COMMAND_LONG only, and only when target system and
 *    component are exactly its own). Answers: ACK then the message (mavlink-camera-manager; ArduPilot's
 *    handle_command_request_message ACKs ACCEPTED and queues the message). ArduCopter ≥ 4.6 without a camera
 *    answers ACCEPTED and sends nothing (VIDEO_STREAM_INFORMATION is in its id map under AP_CAMERA_ENABLED and
 *    AP_Camera sends one per configured backend); older firmware answers FAILED (not in the map); a camera
 *    manager refuses an unknown stream id with DENIED.
 *  - Retries. `attempts` (3) requests per component, each one transmission (runCommand with no resend; the
 *    ACK timeout follows the link's round trip), then `infoWaitMs` (1.5 s) for the message after an ACCEPTED;
 *    between attempts `backoffMs` (2 s, then 4 s). Then stop quietly: most drones have no camera and the
 *    autopilot says ACCEPTED all the same. (QGroundControl waits 1 s per request and gives up after 6 tries
 *    per stream, VehicleCameraControl::_streamInfoTimeout.) Asked again after the autopilot reboots, and when a
 *    new camera component appears; a VIDEO_STREAM_INFORMATION arriving unasked is taken too.
 *  - When to ask the autopilot: after the registry's stream requests (`streams-requested`). Every request runs
 *    on the vehicle's command queue (Station.run), so it never overlaps another REQUEST_MESSAGE transaction
 *    to the same vehicle (COMMAND_ACK names only the command id). Camera components are asked at once.
 *  - Which stream, and the URL the hub opens for it: the pure decisions of station/video/stream-choice.ts
 *    (its header gives them with their sources).
 *  - The drone's id: the fleet file's (sysid → id), else `sys<N>` as the console names an unknown drone.
 *
 * The decisions are pure functions (`streamUrl`, `pickStream`, `isCameraComponent`); `VideoDiscovery` runs them
 * on injected I/O (`DiscoveryIo`: registry events, frames, one command transaction, the hub, a log) and the
 * station's Clock, so tests drive it with a fake station or the real service. `stationDiscoveryIo` builds that
 * I/O from a Station.
 */
import { common } from 'mavlink-mappings';
import type { Clock, TimerId } from '../../common/clock.js';
import type { MavLinkData } from '../../mavlink/codec/messages.js';
import type { Result } from '../../common/result.js';
import type { CommandResult } from '../../mavlink/services/command.js';
import type { Station } from '../compose.js';
import type { RegistryEvent } from '../vehicle/registry.js';
import { MSG_VIDEO_STREAM_INFORMATION, isCameraComponent, streamInfoOf, describeStream, hideCredentials, pickStream, type StreamInfo } from './stream-choice.js';

export { CAMERA_COMPIDS, MSG_VIDEO_STREAM_INFORMATION, describeStream, hideCredentials, isCameraComponent, pickStream, streamInfoOf, streamUrl, type StreamChoice, type StreamInfo, type StreamUrl } from './stream-choice.js';

export interface DiscoveryTimings {
  /** Requests per component before stopping quietly. */
  attempts: number;
  /** Pause after attempt k (1-based) before attempt k+1; the last value repeats. */
  backoffMs: readonly number[];
  /** After an ACCEPTED, how long to wait for the message. */
  infoWaitMs: number;
  /** After the first stream of a component, how long to wait for its other streams. */
  collectMs: number;
}

export const DISCOVERY_DEFAULTS: Readonly<DiscoveryTimings> = { attempts: 3, backoffMs: [2000, 4000], infoWaitMs: 1500, collectMs: 500 };

/** What discovery needs of the station, the hub and the log. */
export interface DiscoveryIo {
  clock: Clock;
  /** Registry events (`station.on('*')`). */
  onEvent(cb: (e: RegistryEvent) => void): () => void;
  /** Every received frame. */
  onMessage(cb: (sysid: number, compid: number, message: MavLinkData | undefined) => void): () => void;
  /** The vehicles known now: their autopilot, other components, and whether streams were requested yet. */
  vehicles(): { sysid: number; compid: number; streamsRequested: boolean; components: { compid: number; mavType: number }[] }[];
  /** The other components of a system seen so far. */
  components(sysid: number): { compid: number; mavType: number }[];
  /** One MAV_CMD_REQUEST_MESSAGE transaction to (sysid, compid), one transmission, resolved with its outcome. */
  request(sysid: number, compid: number, params: number[]): Promise<CommandResult>;
  droneId(sysid: number): string;
  addSource(drone: string, url: string): Promise<Result<'added' | 'unchanged' | 'configured'>>;
  log(line: string): void;
  /** Stop what is still running (open command transactions). */
  close?(): void;
}

interface Target {
  key: string;
  sysid: number;
  compid: number;
  kind: 'autopilot' | 'camera';
  /** Bumped to stop a running request loop (reboot, close, another component won). */
  gen: number;
  phase: 'asking' | 'collecting' | 'done';
  attempts: number;
  outcomes: string[];
  streams: Map<number, StreamInfo>;
  collectTimer: TimerId | undefined;
  wake: (() => void) | undefined;
  /** The last line logged about this component: a camera repeating itself is not logged again. */
  lastLine: string;
}

/** Where a component stands, for tests and diagnostics. */
export interface TargetView {
  sysid: number;
  compid: number;
  kind: 'autopilot' | 'camera';
  phase: Target['phase'];
  attempts: number;
  outcomes: string[];
  streams: StreamInfo[];
}

export class VideoDiscovery {
  private readonly targets = new Map<string, Target>();
  /** Drones whose source was found, and from which component. */
  private readonly found = new Map<number, string>();
  private readonly timers = new Set<TimerId>();
  private readonly offs: (() => void)[] = [];
  private readonly t: DiscoveryTimings;
  private closed = false;

  constructor(
    private readonly io: DiscoveryIo,
    timings: Partial<DiscoveryTimings> = {},
  ) {
    this.t = { ...DISCOVERY_DEFAULTS, ...timings };
  }

  /** Subscribe, and ask the vehicles already known (the station may have heard them before we started). */
  start(): this {
    this.offs.push(this.io.onEvent((e) => this.onEvent(e)));
    this.offs.push(this.io.onMessage((sysid, compid, m) => this.onMessage(sysid, compid, m)));
    for (const v of this.io.vehicles()) {
      for (const c of v.components) if (isCameraComponent(c.compid, c.mavType)) this.ask(v.sysid, c.compid, 'camera');
      if (v.streamsRequested) this.ask(v.sysid, v.compid, 'autopilot');
    }
    return this;
  }

  targetsOf(sysid: number): TargetView[] {
    return [...this.targets.values()]
      .filter((t) => t.sysid === sysid)
      .map((t) => ({ sysid: t.sysid, compid: t.compid, kind: t.kind, phase: t.phase, attempts: t.attempts, outcomes: [...t.outcomes], streams: [...t.streams.values()] }));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const off of this.offs) off();
    for (const t of this.targets.values()) this.stopTarget(t);
    for (const id of this.timers) this.io.clock.clearTimeout(id);
    this.timers.clear();
    this.io.close?.();
  }

  private onEvent(e: RegistryEvent): void {
    if (this.closed) return;
    switch (e.type) {
      case 'vehicle-new':
        for (const c of this.io.components(e.sysid)) if (isCameraComponent(c.compid, c.mavType)) this.ask(e.sysid, c.compid, 'camera');
        return;
      case 'component-new':
        if (isCameraComponent(e.componentId, e.mavType)) this.ask(e.sysid, e.componentId, 'camera');
        return;
      case 'streams-requested':
        this.ask(e.sysid, e.compid, 'autopilot');
        return;
      case 'vehicle-rebooted':
        // Everything again: the autopilot once its streams are requested anew, the cameras now.
        for (const t of [...this.targets.values()]) {
          if (t.sysid !== e.sysid) continue;
          this.stopTarget(t);
          this.targets.delete(t.key);
        }
        this.found.delete(e.sysid);
        for (const c of this.io.components(e.sysid)) if (isCameraComponent(c.compid, c.mavType)) this.ask(e.sysid, c.compid, 'camera');
        return;
      default:
        return;
    }
  }

  private onMessage(sysid: number, compid: number, m: MavLinkData | undefined): void {
    if (this.closed) return;
    const info = streamInfoOf(m);
    if (!info) return;
    const key = `${sysid}:${compid}`;
    let t = this.targets.get(key);
    if (!t) {
      // Unasked (or from a component we have not heard a heartbeat from yet): taken all the same.
      const mavType = this.io.components(sysid).find((c) => c.compid === compid)?.mavType ?? 0;
      t = this.newTarget(sysid, compid, isCameraComponent(compid, mavType) ? 'camera' : 'autopilot');
      t.phase = 'collecting';
    }
    t.streams.set(info.streamId, info);
    if (t.phase === 'done') t.phase = 'collecting';
    if (t.phase === 'asking') {
      t.phase = 'collecting';
      t.wake?.();
    }
    if (t.collectTimer === undefined) {
      const gen = t.gen;
      t.collectTimer = this.after(this.t.collectMs, () => {
        t.collectTimer = undefined;
        if (t.gen === gen) void this.decide(t);
      });
    }
  }

  private newTarget(sysid: number, compid: number, kind: Target['kind']): Target {
    const t: Target = { key: `${sysid}:${compid}`, sysid, compid, kind, gen: 0, phase: 'asking', attempts: 0, outcomes: [], streams: new Map(), collectTimer: undefined, wake: undefined, lastLine: '' };
    this.targets.set(t.key, t);
    return t;
  }

  private stopTarget(t: Target): void {
    t.gen++;
    if (t.collectTimer !== undefined) {
      this.io.clock.clearTimeout(t.collectTimer);
      this.timers.delete(t.collectTimer);
      t.collectTimer = undefined;
    }
    t.phase = 'done';
    t.wake?.();
  }

  /** Start asking one component, unless it is already being (or was) asked since the last reboot. */
  private ask(sysid: number, compid: number, kind: Target['kind']): void {
    if (this.closed || this.targets.has(`${sysid}:${compid}`) || this.found.has(sysid)) return;
    const t = this.newTarget(sysid, compid, kind);
    void this.loop(t, t.gen);
  }

  private async loop(t: Target, gen: number): Promise<void> {
    const live = () => !this.closed && t.gen === gen && t.phase === 'asking';
    // Registry events come while the frame that caused them is being applied: the vehicle's path (where the
    // request goes) is known once that frame is done.
    await Promise.resolve();
    for (let k = 1; k <= this.t.attempts && live(); k++) {
      t.attempts = k;
      let r: CommandResult;
      try {
        r = await this.io.request(t.sysid, t.compid, [MSG_VIDEO_STREAM_INFORMATION, 0]);
      } catch (e) {
        r = { outcome: 'failed', mavResult: undefined, resultParam2: undefined, progressPct: undefined, attempts: 1, rttMs: undefined, elapsedMs: 0 };
        t.outcomes.push(`error ${String(e)}`);
      }
      if (!live()) return;
      t.outcomes.push(r.outcome);
      if (r.outcome === 'accepted') await this.sleep(t, this.t.infoWaitMs);
      if (!live()) return;
      if (k < this.t.attempts) await this.sleep(t, this.t.backoffMs[Math.min(k - 1, this.t.backoffMs.length - 1)] ?? 0);
    }
    if (!live()) return;
    t.phase = 'done';
    // Most drones have no camera: the autopilot stays quiet in the log. A camera component that never says what
    // it streams is worth a line.
    if (t.kind === 'camera') this.logFor(t, `kongxun: video: ${this.io.droneId(t.sysid)}: camera ${t.compid} announced no video stream after ${t.attempts} requests (${t.outcomes.join(', ')})`);
  }

  private logFor(t: Target, line: string): void {
    if (line === t.lastLine) return;
    t.lastLine = line;
    this.io.log(line);
  }

  /** Wait on the clock; cut short when the target's state changes (a stream arrived, stopped). */
  private sleep(t: Target, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        if (t.wake === done) t.wake = undefined;
        this.io.clock.clearTimeout(id);
        this.timers.delete(id);
        resolve();
      };
      const id = this.after(ms, done);
      t.wake = done;
    });
  }

  private after(ms: number, fn: () => void): TimerId {
    const id = this.io.clock.setTimeout(() => {
      this.timers.delete(id);
      fn();
    }, ms);
    this.timers.add(id);
    return id;
  }

  private who(t: Target): string {
    return t.kind === 'autopilot' ? `autopilot ${t.compid}` : `camera ${t.compid}`;
  }

  private async decide(t: Target): Promise<void> {
    if (this.closed) return;
    t.phase = 'done';
    const drone = this.io.droneId(t.sysid);
    const infos = [...t.streams.values()];
    const { chosen, rejected } = pickStream(infos);
    if (!chosen) {
      this.logFor(t, `kongxun: video: ${drone} (${this.who(t)}) offers no stream the station can open: ${rejected.map((r) => `${describeStream(r.info)}: ${r.reason}`).join('; ')}`);
      return;
    }
    const winner = this.found.get(t.sysid);
    if (winner !== undefined && winner !== t.key) {
      this.logFor(t, `kongxun: video: ${drone} (${this.who(t)}) also offers ${describeStream(chosen.info)}; keeping the source found first`);
      return;
    }
    let r: Awaited<ReturnType<DiscoveryIo['addSource']>>;
    try {
      r = await this.io.addSource(drone, chosen.url);
    } catch (e) {
      this.logFor(t, `kongxun: video: ${drone}: ${hideCredentials(chosen.url)} (from ${this.who(t)}) cannot be opened: ${String(e)}`);
      return;
    }
    if (this.closed) return;
    if (!r.ok) {
      this.logFor(t, `kongxun: video: ${drone}: ${describeStream(chosen.info)} from ${this.who(t)} → ${hideCredentials(chosen.url)} cannot be opened: ${r.reason}`);
      return;
    }
    this.found.set(t.sysid, t.key);
    // The drone has its source: its other components need not be asked any more.
    for (const o of this.targets.values()) if (o.sysid === t.sysid && o !== t && o.phase === 'asking') this.stopTarget(o);
    const also = rejected.length > 0 ? ` (not usable: ${rejected.map((x) => `stream ${x.info.streamId}: ${x.reason}`).join('; ')})` : '';
    if (r.value === 'added') this.logFor(t, `kongxun: video: ${drone} announces ${describeStream(chosen.info)} (${this.who(t)}) → ${hideCredentials(chosen.url)}${chosen.note ? `; ${chosen.note}` : ''}${also}`);
    else if (r.value === 'configured') this.logFor(t, `kongxun: video: ${drone} announces ${describeStream(chosen.info)} (${this.who(t)}); the configured source is kept`);
  }
}

/**
 * The I/O of discovery on a Station. A request is one COMMAND_LONG on the vehicle's command queue (its best
 * link, no resend: discovery paces its own retries), waiting for the ACK for a timeout fitted to the measured
 * round trip.
 */
export function stationDiscoveryIo(
  station: Station,
  o: { clock: Clock; droneId(sysid: number): string; addSource: DiscoveryIo['addSource']; log(line: string): void },
): DiscoveryIo {
  const connections = station.connections();
  const running = new Set<() => void>();
  return {
    clock: o.clock,
    onEvent: (cb) => station.on('*', cb),
    onMessage: (cb) => {
      const offs = connections.map((c) => c.onMessage((r) => cb(r.frame.sysid, r.frame.compid, r.message)));
      return () => offs.forEach((off) => off());
    },
    vehicles: () =>
      station.vehicles().map((v) => ({ sysid: v.sysid, compid: v.compid, streamsRequested: v.streams !== null, components: v.components.map((c) => ({ compid: c.compid, mavType: c.mavType })) })),
    components: (sysid) => (station.vehicle(sysid)?.components ?? []).map((c) => ({ compid: c.compid, mavType: c.mavType })),
    request: (sysid, compid, params) => {
      // On the vehicle's command queue: never two REQUEST_MESSAGE transactions open at once to one vehicle.
      const q = station.vehicle(sysid)?.queue.run({ kind: 'long', command: common.MavCmd.REQUEST_MESSAGE, params, targetSystem: sysid, targetComponent: compid }, { retries: 0 });
      if (!q) return Promise.resolve({ outcome: 'cancelled', mavResult: undefined, resultParam2: undefined, progressPct: undefined, attempts: 0, rttMs: undefined, elapsedMs: 0 });
      running.add(q.cancel);
      return q.result.finally(() => running.delete(q.cancel));
    },
    close: () => {
      for (const cancel of [...running]) cancel();
    },
    droneId: o.droneId,
    addSource: o.addSource,
    log: o.log,
  };
}

/** Discovery on a Station, started. */
export function startVideoDiscovery(station: Station, o: Parameters<typeof stationDiscoveryIo>[1] & { timings?: Partial<DiscoveryTimings> }): VideoDiscovery {
  return new VideoDiscovery(stationDiscoveryIo(station, o), o.timings).start();
}
