/**
 * The patrol goes on into the next day. A station patrols round the clock, but a day plan (schedule.json) is
 * one date: after its last sortie the runner had nothing left to fly, and said nothing. Here, on the station's
 * clock, the next day is planned ahead with the station's own planner (`plan`: its station GeoJSON and fleet),
 * loaded, and handed to the same runner (runner.ts `nextDay`) before its first sortie must be prepared — the
 * planner's first sortie of a day launches a few minutes before its midnight, to be on station at 00:00.
 *
 * Why one runner across the days, not a new runner each day: yesterday's last sortie is still in the air when
 * today's first one launches (the relief at midnight is an ordinary relief), a drone is busy for both days'
 * gates, a pilot's takeover reaches the one runner the gateway knows, and every console, the centre and the
 * video labels hold that one runner. Each sortie keeps its own day (its plan files and its key in the store),
 * so the day just flown stays whole for its report and its replay, and nothing is cut or flown twice.
 *
 * Timeline of one day D (station time): from `planAheadMs` before the midnight that ends D (default 2 h) the
 * next day is planned (again every `retryEveryMs` while that fails); it is handed over at the latest
 * `handoverLeadMs` before its first sortie's preparation. A day that is still not planned at the midnight that
 * ends D raises one critical alert with its cause (said `day-unplanned`: the desk and the wall show it as the
 * latest alert): the patrol is not flying. The planning is still tried every `retryEveryMs`; a day planned late
 * is handed over then (its sorties already past are missed, one summary alert, as at a late start).
 *
 * The day after the one run is normally D+1; a station whose runner was started on an older day (restarted
 * days later with the same folder) goes on with the station's own date, not day by day through the past.
 */
import type { Clock, TimerId } from '../../common/clock.js';
import { err, type Result } from '../../common/result.js';
import type { Fleet } from '../../missions/fleet.js';
import { isoLocal, localMidnightUtcMs } from '../../missions/plan/timezone.js';
import { loadDay, type DayInput } from './day.js';
import { said, saidText } from './said.js';
import type { PatrolRunner } from './runner.js';

export interface NextDayOptions {
  clock: Clock;
  runner: Pick<PatrolRunner, 'date' | 'nextDay' | 'alert'>;
  fleet: Fleet;
  /** Plan (or find already planned) the station's day `date` (YYYY-MM-DD): its folder, or the cause it could not. Absent: the station has nothing to plan with. */
  plan?: ((date: string) => Promise<Result<string>>) | undefined;
  /** The runner's preparation lead (sortie.ts `prepLeadMs`). */
  prepLeadMs: number;
  /** A new day handed to the runner (the consoles show its plan). */
  onDay?: (day: DayInput) => void;
  log?: (line: string) => void;
  /** How often the day is looked at. Default 30 s. */
  checkEveryMs?: number;
  /** How long before the end of the day run the next one is planned. Default 2 h. */
  planAheadMs?: number;
  /** Between two tries at planning a day that failed. Default 5 min. */
  retryEveryMs?: number;
  /** The new day is handed over this long before its first sortie's preparation at the latest. Default 10 min. */
  handoverLeadMs?: number;
}

/** YYYY-MM-DD one day after `date`. */
export function dayAfter(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

export class NextDay {
  private timer: TimerId | undefined;
  private busy = false;
  private closed = false;
  /** The next day, planned and loaded, waiting for its handover. */
  private pending: DayInput | undefined;
  private triedMs: number | undefined;
  private lastCause: { date: string; cause: string } | undefined;
  private saidLog = new Set<string>();
  /** The day whose missing plan was alerted (once a day). */
  private alerted: string | undefined;

  constructor(private readonly o: NextDayOptions) {}

  start(): void {
    if (this.timer === undefined && !this.closed) this.timer = this.o.clock.setInterval(() => void this.check(), this.o.checkEveryMs ?? 30_000);
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.o.clock.clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Whether the patrol has a plan for now: false after the end of the day run without the next one. */
  flying(): boolean {
    return this.alerted === undefined;
  }

  /** The day the runner goes on with after the one it runs. */
  private nextDate(nowMs: number): string {
    const after = dayAfter(this.o.runner.date);
    const today = isoLocal(nowMs, this.o.fleet.timezone).slice(0, 10);
    return today > after ? today : after;
  }

  /** Look now: plan, hand over or alert as the time asks. Resolves when done (tests, and the timer). */
  async check(): Promise<void> {
    if (this.busy || this.closed) return;
    this.busy = true;
    try {
      await this.look();
    } finally {
      this.busy = false;
    }
  }

  private async look(): Promise<void> {
    const nowMs = this.o.clock.now();
    const date = this.nextDate(nowMs);
    const endMs = localMidnightUtcMs(date, this.o.fleet.timezone);
    if (this.pending && this.pending.schedule.date !== date) this.pending = undefined;
    if (!this.pending) {
      if (nowMs < endMs - (this.o.planAheadMs ?? 2 * 3600_000)) return;
      if (this.triedMs === undefined || nowMs - this.triedMs >= (this.o.retryEveryMs ?? 300_000) || this.lastCause?.date !== date) {
        this.triedMs = nowMs;
        const planned = await this.planDay(date);
        if (this.closed) return;
        if (planned.ok) {
          this.pending = planned.value;
          this.o.log?.(`kongxun: the patrol's next day ${date} is planned: ${planned.value.sorties.length} sorties (${planned.value.dir})`);
        } else this.lastCause = { date, cause: planned.reason };
      }
    }
    if (this.pending) {
      const first = Math.min(...this.pending.sorties.map((s) => s.launchMs));
      if (nowMs < first - this.o.prepLeadMs - (this.o.handoverLeadMs ?? 600_000)) return;
      const refused = this.o.runner.nextDay(this.pending);
      if (refused !== null) {
        this.once(`handover ${date}: ${refused}`);
        return;
      }
      const day = this.pending;
      this.pending = undefined;
      this.lastCause = undefined;
      this.alerted = undefined;
      this.o.log?.(`kongxun: the patrol goes on into ${date}: ${day.sorties.length} sorties (${day.dir})`);
      this.o.onDay?.(day);
      return;
    }
    if (nowMs >= endMs && this.alerted !== date) {
      this.alerted = date;
      const why = this.lastCause?.date === date ? this.lastCause.cause : 'not planned';
      this.o.log?.(`kongxun: ALERT: no plan for ${date}: the patrol is not flying (${why})`);
      this.o.runner.alert(null, null, 'critical', said('day-unplanned', { date, day: this.o.runner.date }, [saidText(why)]));
    }
  }

  private async planDay(date: string): Promise<Result<DayInput>> {
    if (!this.o.plan) return err('no-inputs', 'the station has no station GeoJSON and fleet to plan it with');
    let dir: Result<string>;
    try {
      dir = await this.o.plan(date);
    } catch (e) {
      dir = err('plan-failed', e instanceof Error ? e.message : String(e));
    }
    if (!dir.ok) {
      this.once(`could not plan ${date}: ${dir.reason}`);
      return dir;
    }
    const day = await loadDay(dir.value, this.o.fleet);
    if (!day.ok) {
      this.once(`the plan of ${date} in ${dir.value} does not load: ${day.reason}`);
      return err(day.code, `${dir.value}: ${day.reason}`);
    }
    if (day.value.schedule.date !== date) return err('invalid', `${dir.value}/schedule.json is of ${day.value.schedule.date}, not ${date}`);
    if (!day.value.sorties.length) return err('invalid', `${dir.value}/schedule.json has no sorties`);
    return day;
  }

  /** A line of the log, once for the same words. */
  private once(line: string): void {
    if (this.saidLog.has(line)) return;
    this.saidLog.add(line);
    this.o.log?.(`kongxun: ${line}`);
  }
}
