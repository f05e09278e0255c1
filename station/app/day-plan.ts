/**
 * The day plan the consoles show (timeline, routes, the wall's day) and whose files `/plan-files/` serves.
 * With `--plan DIR` it is that day for good. When the station planned its day itself (`kongxun serve` without
 * `--plan`), it follows the station's day: past midnight, station time, it plans the new day (`follow`) and
 * every console gets the new plan. A station left running round the clock otherwise kept showing yesterday's
 * plan as the day's, while what happened (`actual`) already counted the new day.
 *
 * The day is looked at every `checkEveryMs` on the station's clock rather than with one timer set for
 * midnight: a clock set by NTP or a machine woken from sleep still finds the new day. A day that cannot be
 * planned keeps the last plan on the consoles and is said once (log and `onFailed`), then tried again at the
 * next look.
 */
import type { Clock, TimerId } from '../../common/clock.js';
import type { Result } from '../../common/result.js';
import type { PlanMessage } from '../../common/api/contract.js';
import { isoLocal } from '../../missions/plan/timezone.js';
import { loadPlanDir } from '../server/plan-dir.js';

export interface DayPlanOptions {
  clock: Clock;
  /** The station's IANA time zone (the fleet file's). */
  timezone: string;
  /** The plan folder the station started with (absent: no plan). */
  dir?: string;
  /** Plan (or find already planned) the station's day of `nowMs`; its folder, or undefined when it could not. */
  follow?: (nowMs: number) => Promise<string | undefined>;
  log?: (line: string) => void;
  /** A day that could not be planned (said once per day). */
  onFailed?: (date: string, reason: string) => void;
  /** How often the station's date is looked at (default 30 s). */
  checkEveryMs?: number;
}

export class DayPlan {
  private dirNow: string | undefined;
  private planNow: Result<PlanMessage> | undefined;
  private readonly listeners = new Set<(p: PlanMessage) => void>();
  private timer: TimerId | undefined;
  private busy = false;
  private failedDate: string | null = null;
  private closed = false;

  constructor(private readonly o: DayPlanOptions) {
    this.dirNow = o.dir;
    this.planNow = o.dir !== undefined ? loadPlanDir(o.dir) : undefined;
  }

  /** Start following the station day (with `follow`; nothing without). */
  start(): void {
    if (this.o.follow && this.timer === undefined && !this.closed) this.timer = this.o.clock.setInterval(() => void this.check(), this.o.checkEveryMs ?? 30_000);
  }

  /** The plan as loaded (an error when the folder given at start is not a plan), or undefined without one. */
  get loaded(): Result<PlanMessage> | undefined {
    return this.planNow;
  }

  /** The plan the consoles are shown now. */
  plan(): PlanMessage | null {
    return this.planNow?.ok ? this.planNow.value : null;
  }

  /** The folder of the plan shown now (its .plan files are served at /plan-files/). */
  dir(): string | undefined {
    return this.dirNow;
  }

  /** Called with each new day's plan; returns its removal. */
  onChange(cb: (p: PlanMessage) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Look at the station's date now: a new day is planned and shown. Resolves when done (tests, and the timer). */
  async check(): Promise<void> {
    const follow = this.o.follow;
    if (!follow || this.busy || this.closed) return;
    const nowMs = this.o.clock.now();
    const date = isoLocal(nowMs, this.o.timezone).slice(0, 10);
    const shown = this.plan()?.schedule.date;
    if (shown === date) return;
    this.busy = true;
    try {
      const dir = await follow(nowMs);
      if (this.closed) return;
      const loaded = dir !== undefined ? loadPlanDir(dir) : undefined;
      if (!loaded?.ok) return this.failed(date, loaded ? loaded.reason : 'planning failed');
      if (loaded.value.schedule.date !== date) return this.failed(date, `${dir}/schedule.json is of ${loaded.value.schedule.date}`);
      this.dirNow = dir;
      this.planNow = loaded;
      this.failedDate = null;
      this.o.log?.(`kongxun: a new station day: the consoles show the plan of ${date} (${dir})`);
      for (const l of this.listeners) l(loaded.value);
    } catch (e) {
      this.failed(date, String(e));
    } finally {
      this.busy = false;
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.o.clock.clearInterval(this.timer);
    this.listeners.clear();
  }

  private failed(date: string, reason: string): void {
    if (this.failedDate === date) return;
    this.failedDate = date;
    this.o.log?.(`kongxun: could not plan the new station day ${date}: ${reason}; the consoles keep the plan of ${this.plan()?.schedule.date ?? 'no day'}`);
    this.o.onFailed?.(date, reason);
  }
}
