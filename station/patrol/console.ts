/**
 * What the console's commands and views mean for the patrol. A person's flight command or upload takes a
 * drone over (the gateway asks the runner, runner.ts); `release` gives it back to the scheduled patrol —
 * nothing is sent to the drone. Each drone's view carries its patrol state (its sortie now, taken over, set
 * aside for maintenance).
 */
import type { VehicleView } from '../../common/api/contract.js';
import type { PatrolRunner } from './runner.js';

export interface ReleaseReply { ok: boolean; result: 'accepted' | 'unsupported' | 'denied'; reason: string }

/** The console's `release` of a drone. */
export function releaseToPatrol(runner: PatrolRunner | undefined, sysid: number): ReleaseReply {
  if (!runner) return { ok: false, result: 'unsupported', reason: 'no scheduled patrol runs on this station' };
  if (!runner.isTakenOver(sysid)) return { ok: false, result: 'denied', reason: 'the patrol has not been taken over on this drone' };
  runner.release(sysid);
  return { ok: true, result: 'accepted', reason: 'given back to the scheduled patrol' };
}

/** The patrol's view of each drone when a patrol runs (the views as they are otherwise). */
export function withPatrol(views: VehicleView[], runner: PatrolRunner | undefined): VehicleView[] {
  if (!runner) return views;
  return views.map((v) => ({ ...v, patrol: { sortie: runner.busyWith(v.sysid)?.id ?? null, takenOver: runner.isTakenOver(v.sysid), maintenance: runner.isInMaintenance(v.sysid) } }));
}
