/**
 * The scheduled patrol in the service (`--patrol DIR`): the runner on the service's station, its store, and
 * how its alerts and its view of each drone reach the consoles.
 */
import type { Clock } from '../../common/clock.js';
import { ok, type Result } from '../../common/result.js';
import type { StationEvent, VehicleView } from '../../common/api/contract.js';
import type { Station } from '../compose.js';
import type { StationFiles } from '../files/station-files.js';
import type { CommandGateway } from '../gateway/gateway.js';
import { loadDay, type DayInput } from '../patrol/day.js';
import { PatrolRunner } from '../patrol/runner.js';
import { openPatrolStore, type AlertRow, type PatrolStore } from '../patrol/store.js';
import type { StorageHealth } from '../storage/health.js';
import type { Disposables } from './disposables.js';

export interface ServicePatrol {
  runner: PatrolRunner;
  store: PatrolStore;
  day: DayInput;
}

/**
 * The patrol runner on the service's station, started. Its stop (on `stack`) sends drones in the air home,
 * closes the store and takes the patrol's hooks off the gateway.
 */
export async function startServicePatrol(
  dir: string,
  s: { files: StationFiles; station: Station; clock: Clock; dataDir: string; gateway: CommandGateway; log: (l: string) => void; health: StorageHealth; onAlert: (a: AlertRow) => void; snapshot?: (sysid: number) => AlertRow['snapshot'] },
  stack: Disposables,
): Promise<Result<ServicePatrol>> {
  const day = await loadDay(dir, s.files.fleet);
  if (!day.ok) return day;
  const store = openPatrolStore(s.dataDir, { health: s.health });
  if (!store.ok) return store;
  const runner = new PatrolRunner({
    clock: s.clock,
    station: s.station,
    day: day.value,
    store: store.value,
    gateway: s.gateway,
    records: () => s.health.launchBlocker(),
    ...(s.snapshot ? { snapshot: s.snapshot } : {}),
    onAlert: (a) => {
      s.log(`patrol alert: ${a.text}`);
      s.onAlert(a);
    },
  });
  stack.add('patrol', async () => {
    await runner.stop({ safe: true });
    store.value.close();
    s.gateway.setPatrol(undefined);
  });
  runner.start();
  s.log(`kongxun: patrol runner on ${day.value.schedule.date} (${day.value.sorties.length} sorties), state in ${store.value.file}`);
  return ok({ runner, store: store.value, day: day.value });
}

/** The patrol's view of each drone (its sortie now, taken over, set aside for maintenance) when a patrol runs. */
export function withPatrol(views: VehicleView[], runner: PatrolRunner | undefined): VehicleView[] {
  if (!runner) return views;
  return views.map((v) => ({ ...v, patrol: { sortie: runner.busyWith(v.sysid)?.id ?? null, takenOver: runner.isTakenOver(v.sysid), maintenance: runner.isInMaintenance(v.sysid) } }));
}

/** A runner's alert as a console event: critical → alert, warning → warning, else notice; by code (`said`) and in English. */
export function patrolEvent(a: AlertRow, drone: string | undefined): StationEvent {
  const severity = a.level === 'critical' ? 'alert' : a.level === 'warning' ? 'warning' : 'notice';
  return { atMs: a.atMs, ...(a.sysid !== null ? { sysid: a.sysid } : {}), kind: 'patrol', severity, text: a.text, args: { ...(drone ? { drone } : {}), ...(a.sortie ? { sortie: a.sortie } : {}) }, ...(a.said ? { said: a.said } : {}), ...(a.snapshot ? { snapshot: a.snapshot } : {}) };
}
