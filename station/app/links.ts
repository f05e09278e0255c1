/**
 * The service's links: the `--connect` URLs, each fleet drone's own `connect` URL, and the built-in simulator
 * for every other fleet drone over an in-process link (no TCP port of the machine is taken: a real SITL may be
 * on 5760; the station speaks to the simulator through the very same MavConnection/parser path as to a real
 * drone). Then signing per link, which fails closed.
 */
import type { Clock } from '../../common/clock.js';
import type { SigningConfig, UnsignedPolicy } from '../../mavlink/codec/signing.js';
import { err, ok, type Result } from '../../common/result.js';
import { memoryPair } from '../../mavlink/transport/memory.js';
import type { Transport } from '../../mavlink/transport/types.js';
import type { Fleet, FleetDrone } from '../../missions/fleet.js';
import type { Dock } from '../../missions/jurisdiction.js';
import { SimFleet } from '../../sitl/fleet.js';
import { signingPlan } from '../files/keys.js';
import type { Disposables } from './disposables.js';

export interface LinkOptions {
  /** Extra link URLs (`--connect`). When given, the simulator flies nothing unless `simulate` is true. */
  connect?: string[];
  simulate?: boolean;
  /** Simulator warm-up (ms to EKF position). */
  simWarmupMs?: number;
  /** Built-in simulator drones that carry a camera (component 100) announcing this stream URI. */
  simCameras?: { drone: string; uri: string }[];
  signing?: Omit<SigningConfig, 'linkId'>;
  unsigned?: UnsignedPolicy;
  dataDir: string;
  fleetDir?: string;
}

export interface ServiceLinks {
  /** Every link, in order: URLs, then the simulator's in-process ends. */
  links: (string | Transport)[];
  /** Signing per link, in the order of `links` (undefined = unsigned). */
  perLink: (Omit<SigningConfig, 'linkId'> | undefined)[];
  /** The built-in simulator when it flies any drone (stopped by the stack). */
  fleet: SimFleet | undefined;
  simDrones: FleetDrone[];
  /** One line saying what signs, when signing is on. */
  signingSummary: string | undefined;
}

/** The links of the service, the simulator started (its stop on `stack`), or why none can be used. */
export async function openServiceLinks(o: LinkOptions, fleetFile: Fleet, docks: readonly Dock[], clock: Clock, stack: Disposables): Promise<Result<ServiceLinks>> {
  const links: (string | Transport)[] = [...(o.connect ?? [])];
  for (const d of fleetFile.drones) if (d.connect && !links.includes(d.connect)) links.push(d.connect);
  const simulated = o.simulate ?? (o.connect ?? []).length === 0;
  const simDrones = simulated ? fleetFile.drones.filter((d) => !d.connect) : [];

  let fleet: SimFleet | undefined;
  const simEnds: Transport[] = [];
  if (simDrones.length > 0) {
    const created = SimFleet.create({
      drones: simDrones.length,
      clock,
      tcp: false,
      docks,
      specs: simDrones,
      reservePct: fleetFile.reservePct,
      ...(o.simWarmupMs !== undefined ? { warmupMs: o.simWarmupMs } : {}),
      ...(o.simCameras ? { videoUri: simDrones.map((d) => o.simCameras!.find((c) => c.drone === d.id)?.uri) } : {}),
    });
    if (!created.ok) return err(created.code, `built-in simulator: ${created.reason}`);
    const sim = created.value;
    fleet = sim;
    stack.add('simulator', () => sim.stop());
    for (let i = 0; i < simDrones.length; i++) {
      const [stationEnd, droneEnd] = memoryPair(clock, { names: [`sim-${simDrones[i]!.id}`, `gcs`] });
      const attached = await sim.attach(i, droneEnd);
      if (!attached.ok) return attached;
      simEnds.push(stationEnd);
    }
    links.push(...simEnds);
  }
  if (links.length === 0) return err('no-links', 'no drone to connect: give --connect URL or a fleet file whose drones are simulated');

  // Signing fails closed: every real link signs, with its drone's key or the station's; only the in-process
  // simulator links (no socket, nothing to forge) stay unsigned. A real link without a key, when any key is
  // given, stops the start: a link silently unsigned next to signed ones is what an attacker looks for.
  const keys = signingPlan(
    links.map((l) => (typeof l !== 'string' && simEnds.includes(l) ? { sim: true } : { url: typeof l === 'string' ? l : l.url })),
    fleetFile.drones,
    { ...o, fleetDir: o.fleetDir ?? '.' },
  );
  if (!keys.ok) return keys;
  return ok({ links, perLink: keys.value.perLink, fleet, simDrones, signingSummary: keys.value.summary });
}

