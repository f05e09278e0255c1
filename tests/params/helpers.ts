/**
 * Rig for the parameter/file system tests: the real station (createStation) and one SimDrone joined by a
 * memoryPair on one FakeClock, optionally bandwidth-limited (57600 baud = 5760 B/s) and lossy, with the
 * drone told its radio's bandwidth as ArduPilot knows SERIALn_BAUD. `settle` advances simulated time until
 * a promise settles, letting promise continuations and file I/O run between clock steps.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../common/clock.js';
import { ioBudget, quiesce } from '../fake-time.js';
import { MavConnection } from '../../mavlink/connection.js';
import { memoryPair, type MemoryLinkOptions, type MemoryTransport } from '../../mavlink/transport/memory.js';
import { SimDrone } from '../../sitl/drone.js';
import type { RadioModel } from '../../sitl/ftp-server.js';
import { createStation, type Station } from '../../station/compose.js';
import type { VehicleFiles } from '../../station/vehicle/files.js';

export const HOME = { lat: 24.59, lon: 118.262, altAmslM: 10 };

/** Advance simulated time until the promise settles (bounded). Returns its value. */
export async function settle<T>(clock: FakeClock, p: Promise<T>, maxMs = 3_600_000, stepMs = 50): Promise<T> {
  let done = false;
  let value: T | undefined;
  let error: unknown;
  p.then(
    (v) => {
      done = true;
      value = v;
    },
    (e: unknown) => {
      done = true;
      error = e;
    },
  );
  let waited = 0;
  const io = ioBudget();
  while (!done) {
    if (waited >= maxMs) throw new Error(`settle: not done after ${maxMs} ms of simulated time`);
    await quiesce(io);
    if (done) break;
    clock.advance(stepMs);
    waited += stepMs;
  }
  if (error !== undefined) throw error;
  return value as T;
}

export interface RigOptions {
  link?: MemoryLinkOptions;
  radio?: RadioModel;
  sysid?: number;
  warmupMs?: number;
  dataDir?: string;
  logSizes?: number[];
  home?: { lat: number; lon: number; altAmslM: number };
}

export class FilesRig {
  private detach: (() => void) | undefined;

  private constructor(
    readonly clock: FakeClock,
    readonly drone: SimDrone,
    public station: Station,
    public droneEnd: MemoryTransport,
    public stationEnd: MemoryTransport,
    readonly dataDir: string,
    private readonly ownDir: boolean,
    private readonly linkOptions: MemoryLinkOptions,
  ) {}

  /** Close the station and connect a new one (same data folder) to the same drone over a new link. */
  async reconnect(): Promise<void> {
    await this.station.close();
    this.detach?.();
    const [a, b] = memoryPair(this.clock, this.linkOptions);
    const air = new MavConnection(a, { clock: this.clock, sysid: this.drone.sysid, compid: 1 });
    await air.open();
    this.detach = this.drone.attach(air);
    const st = await createStation({ clock: this.clock, dataDir: this.dataDir, connections: [b], record: false });
    if (!st.ok) throw new Error(st.reason);
    this.station = st.value;
    this.droneEnd = a;
    this.stationEnd = b;
    await this.waitFor(() => this.station.vehicle(this.drone.sysid) !== undefined, 10_000);
  }

  static async create(o: RigOptions = {}): Promise<FilesRig> {
    const clock = new FakeClock();
    const [a, b] = memoryPair(clock, o.link ?? {});
    const drone = new SimDrone({ clock, home: o.home ?? HOME, sysid: o.sysid ?? 1, seed: 5, warmupMs: o.warmupMs ?? 4000 });
    drone.radio = o.radio ?? { bytesPerSecond: o.link?.bytesPerSecond };
    if (o.logSizes) drone.fileServices.logs.reset(o.logSizes);
    const air = new MavConnection(a, { clock, sysid: drone.sysid, compid: 1 });
    await air.open();
    const detach = drone.attach(air);
    const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'kongxun-params-'));
    const st = await createStation({ clock, dataDir, connections: [b], record: false });
    if (!st.ok) throw new Error(st.reason);
    const rig = new FilesRig(clock, drone, st.value, a, b, dataDir, o.dataDir === undefined, o.link ?? {});
    rig.detach = detach;
    await rig.waitFor(() => rig.station.vehicle(drone.sysid) !== undefined, 10_000);
    return rig;
  }

  run<T>(p: Promise<T>, maxMs?: number): Promise<T> {
    return settle(this.clock, p, maxMs);
  }

  async waitFor(pred: () => boolean, maxMs: number): Promise<void> {
    const io = ioBudget();
    for (let t = 0; !pred(); t += 50) {
      if (t > maxMs) throw new Error('waitFor: condition not met');
      this.clock.advance(50);
      await quiesce(io);
    }
  }

  get files(): VehicleFiles {
    const f = this.station.vehicle(this.drone.sysid)?.files;
    if (!f) throw new Error('no vehicle');
    return f;
  }

  async close(): Promise<void> {
    this.drone.stop();
    await this.station.close();
    if (this.ownDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}
