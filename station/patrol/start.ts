/**
 * One way to start the patrol on a station, used by `kongxun serve`, `kongxun patrol` and the simulated day:
 * the day plan loaded (or given), the patrol store opened on the station's clock, the runner started with the
 * station's records as its launch gate and their failures as its alerts. `stop` ends the runner's decisions
 * (`safe`: drones in the air are sent home); `close` stops it, closes the store and lets go of the gateway
 * and the records. Errors are values naming what failed.
 */
import type { Clock } from '../../common/clock.js';
import { ok, type Result } from '../../common/result.js';
import type { Fleet } from '../../missions/fleet.js';
import type { Station } from '../compose.js';
import type { CommandGateway } from '../gateway/gateway.js';
import { patrolAlert, type StorageHealth } from '../storage/health.js';
import { loadDay, type DayInput } from './day.js';
import { NextDay, type NextDayOptions } from './next-day.js';
import { PatrolRunner, type RunnerOptions } from './runner.js';
import { DEFAULT_TIMING } from './sortie.js';
import { openPatrolStore, type AlertRow, type PatrolStore, type PatrolStoreOptions } from './store.js';

export interface PatrolStart {
  clock: Clock;
  station: Station;
  /** The day plan's folder (schedule.json and its .plan files, loaded against `fleet`), or the day already loaded. */
  plan: { dir: string; fleet: Fleet } | DayInput;
  dataDir: string;
  gateway: CommandGateway;
  /** The station's records: their failures become the runner's alerts and hold new launches. */
  health?: StorageHealth | undefined;
  /** The store's options beyond its clock and health (a simulated day trades durability for speed). */
  store?: Omit<PatrolStoreOptions, 'clock' | 'health'>;
  onAlert?: (a: AlertRow) => void;
  /** The runner's other options (tick, timing, actor, the picture an alert carries). */
  runner?: Pick<RunnerOptions, 'tickMs' | 'timing' | 'actor' | 'snapshot'>;
  /**
   * Go on into the next days (next-day.ts): `plan` plans a day with the station's planner (absent: the
   * station cannot, and the end of the day is alerted). Absent: the patrol flies its one day.
   */
  nextDay?: Pick<NextDayOptions, 'plan' | 'onDay' | 'log' | 'checkEveryMs' | 'planAheadMs' | 'retryEveryMs'>;
}

export interface Patrol {
  runner: PatrolRunner;
  store: PatrolStore;
  /** The day the patrol started with (the runner's `date` is the one it runs now). */
  day: DayInput;
  /** The patrol's next days, when it goes on (`nextDay`). */
  days: NextDay | undefined;
  /** Stop deciding; `safe`: drones in the air are sent home (RTL). */
  stop(o?: { safe?: boolean }): Promise<void>;
  /** Stop (if not yet), close the store, let go of the gateway and the records. */
  close(o?: { safe?: boolean }): Promise<void>;
}

export async function startPatrol(o: PatrolStart): Promise<Result<Patrol>> {
  let day: DayInput;
  if ('schedule' in o.plan) day = o.plan;
  else {
    const loaded = await loadDay(o.plan.dir, o.plan.fleet);
    if (!loaded.ok) return loaded;
    day = loaded.value;
  }
  const h = o.health;
  const store = openPatrolStore(o.dataDir, { ...o.store, clock: o.clock, ...(h ? { health: h } : {}) });
  if (!store.ok) return store;
  const runner = new PatrolRunner({
    clock: o.clock, station: o.station, day, store: store.value, gateway: o.gateway, ...o.runner,
    ...(o.onAlert ? { onAlert: o.onAlert } : {}), ...(h ? { records: () => h.launchBlocker() } : {}),
  });
  const offNotice = h?.onNotice((n) => {
    const a = patrolAlert(n);
    if (a) runner.alert(null, null, a.level, a.said, a.text);
  });
  runner.start();
  const days = o.nextDay ? new NextDay({ ...o.nextDay, clock: o.clock, runner, fleet: day.fleet, prepLeadMs: o.runner?.timing?.prepLeadMs ?? DEFAULT_TIMING.prepLeadMs }) : undefined;
  days?.start();
  let closed = false;
  return ok({
    runner, store: store.value, day, days,
    stop: (s) => {
      days?.close();
      return runner.stop(s);
    },
    close: async (s) => {
      if (closed) return;
      closed = true;
      days?.close();
      offNotice?.();
      await runner.stop(s);
      store.value.close();
      o.gateway.setPatrol(undefined);
    },
  });
}
