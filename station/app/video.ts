/**
 * Video in the service: Janus for the kiosks and the centre (optional; a missing Janus is logged, not fatal),
 * the video hub (configured sources, and those the drones announce), alert pictures, and the sortie marks
 * that name the recordings.
 */
import { join } from 'node:path';
import type { Clock } from '../../common/clock.js';
import { ok, type Result } from '../../common/result.js';
import type { Fleet } from '../../missions/fleet.js';
import type { Station } from '../compose.js';
import type { StorageHealth } from '../storage/health.js';
import { AlertSnapshots } from '../video/alert-snapshot.js';
import { startVideoDiscovery, type DiscoveryTimings } from '../video/discovery.js';
import { VideoHub, type SortieMark } from '../video/hub.js';
import { JanusForwarder } from '../video/janus.js';
import { JanusSupervisor } from '../video/janus-supervisor.js';
import type { Disposables } from './disposables.js';

export interface VideoOptions {
  dataDir: string;
  /** Video sources by drone id; override the fleet file's `video`. */
  video?: { drone: string; url: string }[];
  /** Ask the drones for VIDEO_STREAM_INFORMATION: on by default; timings for tests; false = off. */
  videoDiscovery?: false | Partial<DiscoveryTimings>;
  /** Janus's HTTP API on `ip:port` (admin API on port + 1). */
  janus?: { port: number; ip: string };
}

export interface ServiceVideo {
  hub: VideoHub;
  snapshots: AlertSnapshots;
  /** The Janus forwarder and process when Janus was asked for and started. */
  janus: { forwarder: JanusForwarder; process: JanusSupervisor } | undefined;
}

/** Starts the station's video; every part's stop goes on `stack`. */
export async function startServiceVideo(
  o: VideoOptions,
  s: {
    clock: Clock; station: Station; fleet: Fleet; names: ReadonlyMap<number, string>; health: StorageHealth; log: (l: string) => void; sortieLabel(sysid: number): string | null;
    /** A Janus the station started died, could not be restarted, or is back (video/janus-supervisor.ts). */
    onJanus(text: string, what: 'died' | 'restart-failed' | 'back'): void;
  },
  stack: Disposables,
): Promise<Result<ServiceVideo>> {
  const { clock, station, names, log } = s;
  const videoOverride = new Set((o.video ?? []).map((v) => v.drone));
  const sources = [...s.fleet.drones.flatMap((d) => (d.video && !videoOverride.has(d.id) ? [{ drone: d.id, url: d.video, ...(d.videoSub ? { subUrl: d.videoSub } : {}) }] : [])), ...(o.video ?? [])];
  const sysids = new Map(s.fleet.drones.map((d) => [d.id, d.sysid] as const));
  // A sortie, for the video recordings, is armed → disarmed; under the patrol runner it carries the sortie's id.
  const sortieOf = (drone: string): SortieMark => {
    const sysid = sysids.get(drone);
    const v = sysid === undefined ? undefined : station.vehicle(sysid)?.state();
    const armed = v?.armed ?? false;
    return { airborne: armed, label: armed && sysid !== undefined ? s.sortieLabel(sysid) : null };
  };
  // Janus for the kiosks and the centre: the station forwards RTP to it.
  let janus: ServiceVideo['janus'];
  if (o.janus) {
    // Janus's API binds where viewers reach it; ICE gathers only on that address (all when it is 0.0.0.0).
    const any = o.janus.ip === '0.0.0.0' || o.janus.ip === '::';
    // Watched: a Janus that dies is an alert with its cause, started again with backoff, its mountpoints and
    // viewers' tokens made again (video/janus-supervisor.ts).
    const j = await JanusSupervisor.start({ dir: join(o.dataDir, 'janus'), httpPort: o.janus.port, adminPort: o.janus.port + 1, bindIp: o.janus.ip, iceEnforce: any ? '' : o.janus.ip, log, onAlert: s.onJanus });
    if (j.ok) {
      const proc = j.value;
      stack.add('janus', () => proc.stop());
      const forwarder = new JanusForwarder({ gateway: proc.gateway, log });
      stack.add('janus forwarder', () => forwarder.close());
      proc.attach(forwarder);
      janus = { forwarder, process: proc };
    } else log(`kongxun: no Janus, kiosks and the centre get no video: ${j.reason}`);
  }
  // The hub runs even with no configured source: drones may announce theirs (VIDEO_STREAM_INFORMATION).
  const started = await VideoHub.start({ clock, dataDir: o.dataDir, sources, log, sortieOf, health: s.health, ...(janus ? { forward: (d: string, b: Uint8Array) => janus.forwarder.forward(d, b) } : {}) });
  if (!started.ok) return started;
  const hub = started.value;
  stack.add('video', () => hub.close());
  const snapshots = new AlertSnapshots({ dir: join(o.dataDir, 'snapshots'), lastKeyframe: (d) => hub.lastKeyframe(d), now: () => clock.now(), log });
  // Sources the drones announce (VIDEO_STREAM_INFORMATION); a configured one always wins in the hub.
  if (o.videoDiscovery !== false) {
    const discovery = startVideoDiscovery(station, { clock, droneId: (sysid) => names.get(sysid) ?? `sys${sysid}`, addSource: (drone, url) => hub.addSource(drone, url), log, timings: o.videoDiscovery ?? {} });
    stack.add('video discovery', () => discovery.close());
  }
  const offArm = station.on('*', (e) => {
    if (e.type !== 'armed' && e.type !== 'disarmed') return;
    const drone = names.get(e.sysid);
    if (drone) hub.markSortie(drone, sortieOf(drone));
  });
  stack.add('sortie marks', offArm);
  return ok({ hub, snapshots, janus });
}
