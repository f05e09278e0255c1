/**
 * What the link to the centre needs of the station: a narrow interface, so that the station's service (or, at
 * merge, its command gateway) decides how a centre's request is carried out and audited. Every call that acts
 * names its Principal `{ kind: 'centre', … }` (the dispatcher's rights).
 */
import type { Result } from '../../common/result.js';
import type { Principal } from '../gateway/principal.js';
import type { FleetRow } from './schema.js';

/** dronesUp: armed (in the air); coveragePct: today's patrol minutes covered so far of those required so far (null without a patrol). */
export interface HostStatus { name: string; drones: number; dronesUp: number; sortiesToday: number; sortiesFlown: number; coveragePct: number | null }
export interface HostEvent { atMs: number; kind: string; text: string; sortie: string | null; drone: string | null }
export interface HostAlert {
  atMs: number; level: 'info' | 'warning' | 'critical'; text: string; sortie: string | null; drone: string | null; latDeg: number | null; lonDeg: number | null;
  /** The alert's picture (issue 18): its file in the station's snapshots and when its keyframe arrived. */
  snapshot?: { file: string; atMs: number };
}
export interface HostSortie { id: string; kind: string; drone: string; state: string; launchedAtMs: number | null; landedAtMs: number | null; reason: string | null }
export interface LookAt { id: string; latDeg: number; lonDeg: number; radiusM: number; priority: number; holdS: number; text: string }

/** Where a dispatch stands, as the centre is told: queued → accepted → arrived → looked → returned, or refused/failed. */
export interface DispatchProgress { state: 'queued' | 'accepted' | 'arrived' | 'looked' | 'returned' | 'refused' | 'failed'; drone: string | null; etaS: number | null; reason: string | null }

export interface CentreHost {
  status(): HostStatus;
  fleet(): FleetRow[];
  /** New events, alerts and sortie records since the last call (the host keeps its own cursor). */
  drain(): { events: HostEvent[]; alerts: HostAlert[]; sorties: HostSortie[] };
  /** "Go and look here": an error is a refusal with its reason; ok means the request is taken (queued). */
  request(who: Principal, req: LookAt): Result<void>;
  progress(id: string): DispatchProgress | null;
  /** An instruction for the desk (`from`: the person at the centre who sent it); `acknowledged` says who acknowledged it, once someone has. */
  instruct(who: Principal, id: string, text: string, from?: string): Result<void>;
  acknowledged(id: string): { by: string } | null;
  /** The daily report (today when `date` is null). */
  report(who: Principal, date: string | null): Result<{ date: string; report: Record<string, unknown> }>;
  /** An alert's picture, bounded for the centre (pictures.ts readPicture); null while it is not written yet. */
  picture?(file: string): Promise<Result<Uint8Array | null>>;
  /** A drone's live video for the centre: the station's Janus, the drone's mountpoint and a token of its own (issue 18). */
  video?(who: Principal, drone: string): Promise<Result<{ url: string; token: string; mountpoint: number; expiresMs: number }>>;
}
