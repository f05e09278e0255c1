/**
 * The scheduled patrol in the service (`--patrol DIR`): the runner on the service's station, its store, and
 * how its alerts and its view of each drone reach the consoles.
 */
import type { Clock } from '../../common/clock.js';
import { ok, type Result } from '../../common/result.js';
import type { StationEvent } from '../../common/api/contract.js';
import type { Station } from '../compose.js';
import type { StationFiles } from '../files/station-files.js';
import type { CommandGateway } from '../gateway/gateway.js';
import type { DayInput } from '../patrol/day.js';
import type { PatrolRunner } from '../patrol/runner.js';
import { startPatrol } from '../patrol/start.js';
import type { AlertRow, PatrolStore } from '../patrol/store.js';
import type { StorageHealth } from '../storage/health.js';
import type { Disposables } from './disposables.js';

export interface ServicePatrol {
  runner: PatrolRunner;
  store: PatrolStore;
  /** The day the runner runs now. */
  readonly day: DayInput;
}

/**
 * The patrol runner on the service's station, started. Its stop (on `stack`) sends drones in the air home,
 * closes the store and takes the patrol's hooks off the gateway.
 */
export async function startServicePatrol(
  dir: string,
  s: {
    files: StationFiles; station: Station; clock: Clock; dataDir: string; gateway: CommandGateway; log: (l: string) => void; health: StorageHealth; onAlert: (a: AlertRow) => void; snapshot?: (sysid: number) => AlertRow['snapshot'];
    /** Plan the patrol's next day (next-day.ts): absent, the end of its day is alerted. */
    planDay?: ((date: string) => Promise<Result<string>>) | undefined;
  },
  stack: Disposables,
): Promise<Result<ServicePatrol>> {
  const started = await startPatrol({
    clock: s.clock,
    station: s.station,
    plan: { dir, fleet: s.files.fleet },
    dataDir: s.dataDir,
    gateway: s.gateway,
    health: s.health,
    ...(s.snapshot ? { runner: { snapshot: s.snapshot } } : {}),
    // The patrol goes on round the clock: each next day planned with the station's planner (its GeoJSON and fleet).
    nextDay: { plan: s.planDay, log: s.log },
    onAlert: (a) => {
      s.log(`patrol alert: ${a.text}`);
      s.onAlert(a);
    },
  });
  if (!started.ok) return started;
  const patrol = started.value;
  stack.add('patrol', () => patrol.close({ safe: true }));
  s.log(`kongxun: patrol runner on ${patrol.day.schedule.date} (${patrol.day.sorties.length} sorties), state in ${patrol.store.file}`);
  return ok({
    runner: patrol.runner,
    store: patrol.store,
    // The day the runner runs now: the patrol goes on into the next days (next-day.ts).
    get day() {
      return patrol.runner.running;
    },
  });
}

/**
 * Whether a runner's alert goes to the consoles. A store's failure, recovery or low space reaches them as the
 * station's own storage event (app/events.ts `storageNotice`); the runner keeps the same notice as an alert for
 * its report, and sending that too put every storage failure twice on the desk.
 */
export function consoleShowsPatrolAlert(a: AlertRow): boolean {
  return !a.said?.code.startsWith('storage-');
}

/** A runner's alert as a console event: critical → alert, warning → warning, else notice; by code (`said`) and in English. */
export function patrolEvent(a: AlertRow, drone: string | undefined): StationEvent {
  const severity = a.level === 'critical' ? 'alert' : a.level === 'warning' ? 'warning' : 'notice';
  return { atMs: a.atMs, ...(a.sysid !== null ? { sysid: a.sysid } : {}), kind: 'patrol', severity, text: a.text, args: { ...(drone ? { drone } : {}), ...(a.sortie ? { sortie: a.sortie } : {}) }, ...(a.said ? { said: a.said } : {}), ...(a.snapshot ? { snapshot: a.snapshot } : {}) };
}
