/**
 * A GCS for simulator tests: a SimDrone and a MavConnection (sysid 255, compid 190) joined by a memoryPair
 * on a FakeClock. Records every message the GCS receives, sends GCS heartbeats at 1 Hz while `gcsHeartbeats`
 * is on, and offers small helpers (command → ACK, set mode, arm, wait). Used by sitl/*.test.ts; handy for
 * system tests elsewhere too.
 */
import { common, minimal } from 'mavlink-mappings';
import { FakeClock } from '../common/clock.js';
import { MavConnection, type Received } from '../mavlink/connection.js';
import { make, type MavLinkData } from '../mavlink/codec/messages.js';
import { memoryPair, type MemoryLinkOptions } from '../mavlink/transport/memory.js';
import { SimDrone, type SimDroneOptions } from './drone.js';

export const TEST_HOME = { lat: 24.59, lon: 118.262, altAmslM: 10 };

export interface RxRecord {
  atMs: number;
  msgid: number;
  sysid: number;
  message: MavLinkData;
}

export class GcsHarness {
  readonly clock: FakeClock;
  readonly drone: SimDrone;
  readonly gcs: MavConnection;
  readonly droneSide: MavConnection;
  readonly rx: RxRecord[] = [];
  /** Bytes the drone sent, in order (for determinism checks). */
  readonly droneBytes: Uint8Array[] = [];
  gcsHeartbeats = true;
  private readonly t0: number;

  constructor(opts: Partial<SimDroneOptions> = {}, link: MemoryLinkOptions = {}, clock = new FakeClock()) {
    this.clock = clock;
    this.t0 = clock.now();
    const [a, b] = memoryPair(clock, link);
    this.drone = new SimDrone({ clock, home: TEST_HOME, seed: 7, ...opts });
    this.droneSide = new MavConnection(a, { clock, sysid: this.drone.sysid, compid: this.drone.compid });
    this.gcs = new MavConnection(b, { clock, sysid: 255, compid: 190 });
    this.droneSide.onSent((s) => this.droneBytes.push(s.bytes));
    this.gcs.onMessage((r: Received) => {
      if (r.message) this.rx.push({ atMs: r.atMs - this.t0, msgid: r.frame.msgid, sysid: r.frame.sysid, message: r.message });
    });
    void this.droneSide.open();
    void this.gcs.open();
    this.drone.attach(this.droneSide);
    clock.setInterval(() => {
      if (this.gcsHeartbeats) this.gcs.send(make(minimal.Heartbeat, { type: 6, autopilot: 8, baseMode: 0, customMode: 0, systemStatus: 4, mavlinkVersion: 3 } as unknown as Partial<minimal.Heartbeat>));
    }, 1000);
  }

  /** Simulated ms since the harness was made. */
  get t(): number {
    return this.clock.now() - this.t0;
  }

  advance(ms: number, stepMs = 50): void {
    for (let left = ms; left > 0; left -= stepMs) this.clock.advance(Math.min(stepMs, left));
  }

  runUntil(pred: () => boolean, maxMs: number, stepMs = 50): boolean {
    return this.clock.runUntil(pred, maxMs, stepMs);
  }

  of<T extends MavLinkData>(msgid: number, sinceMs = 0): T[] {
    return this.rx.filter((r) => r.msgid === msgid && r.atMs >= sinceMs).map((r) => r.message as T);
  }

  last<T extends MavLinkData>(msgid: number): T | undefined {
    for (let i = this.rx.length - 1; i >= 0; i--) if (this.rx[i]!.msgid === msgid) return this.rx[i]!.message as T;
    return undefined;
  }

  texts(sinceMs = 0): string[] {
    return this.of<common.StatusText>(253, sinceMs).map((m) => m.text);
  }

  /** Send COMMAND_LONG and wait for its ACK; returns the result (or -1 on no ACK within 2 s). */
  command(command: number, params: number[] = [], confirmation = 0): number {
    const p = [...params, 0, 0, 0, 0, 0, 0, 0];
    const since = this.t;
    this.gcs.send(
      make(common.CommandLong, {
        targetSystem: this.drone.sysid,
        targetComponent: 1,
        command,
        confirmation,
        _param1: p[0],
        _param2: p[1],
        _param3: p[2],
        _param4: p[3],
        _param5: p[4],
        _param6: p[5],
        _param7: p[6],
      } as Partial<common.CommandLong>),
    );
    let ack: common.CommandAck | undefined;
    this.runUntil(() => (ack = this.of<common.CommandAck>(77, since).find((a) => a.command === command)) !== undefined, 2000, 10);
    return ack ? ack.result : -1;
  }

  /** COMMAND_INT with lat/lon (degrees) and a frame. */
  commandInt(command: number, params: number[], latDeg: number, lonDeg: number, altM: number, frame: number = common.MavFrame.GLOBAL_RELATIVE_ALT): number {
    const p = [...params, 0, 0, 0, 0];
    const since = this.t;
    this.gcs.send(
      make(common.CommandInt, {
        targetSystem: this.drone.sysid,
        targetComponent: 1,
        command,
        frame,
        _param1: p[0],
        _param2: p[1],
        _param3: p[2],
        _param4: p[3],
        _param5: Math.round(latDeg * 1e7),
        _param6: Math.round(lonDeg * 1e7),
        _param7: altM,
      } as Partial<common.CommandInt>),
    );
    let ack: common.CommandAck | undefined;
    this.runUntil(() => (ack = this.of<common.CommandAck>(77, since).find((a) => a.command === command)) !== undefined, 2000, 10);
    return ack ? ack.result : -1;
  }

  setMode(mode: number): number {
    return this.command(common.MavCmd.DO_SET_MODE, [1, mode]);
  }

  /** Boot until the EKF has a position. */
  waitForPosition(maxMs = 120_000): boolean {
    return this.runUntil(() => this.drone.positionOk(), maxMs, 100);
  }

  /** GUIDED, arm, take off to altM and wait until there. */
  launch(altM = 30): void {
    if (!this.drone.positionOk()) this.waitForPosition();
    this.setMode(4);
    this.command(common.MavCmd.COMPONENT_ARM_DISARM, [1]);
    this.command(common.MavCmd.NAV_TAKEOFF, [0, 0, 0, 0, 0, 0, altM]);
    this.runUntil(() => Math.abs(this.drone.physics.state.upM - altM) < 0.5, 60_000, 100);
  }

  stop(): void {
    this.drone.stop();
  }
}
