/**
 * Events a drone can flood (its STATUSTEXT) pass through here on their way to consoles and logs: the same
 * text repeated within a window is merged into one "×N" event at the window's end, and each vehicle may put
 * at most `perVehicle` texts through per window; what is held back is counted and said in one event
 * (`statustext-flood`). The station's own events (link lost, armed, mode) always pass, at once.
 *
 * 29 700 STATUSTEXTs in 15 s reached the console as ~1 000 events/s before; through here a vehicle costs
 * at most perVehicle + 1 (its flood notice) + the distinct texts merged, per window.
 */
import type { Clock, TimerId } from '../../common/clock.js';
import type { StationEvent } from '../../common/api/contract.js';

export interface EventFloodOptions {
  /** Length of a window. Default 5 s. */
  windowMs?: number;
  /** Texts of one vehicle passed per window. Default 10. */
  perVehicle?: number;
}

interface Repeat {
  event: StationEvent;
  count: number;
}

interface VehicleWindow {
  passed: number;
  held: number;
  drone: string;
  lastAtMs: number;
}

export class EventFlood {
  private readonly windowMs: number;
  private readonly perVehicle: number;
  /** Texts passed this window, by vehicle|severity|text: repeats are counted here. */
  private readonly repeats = new Map<string, Repeat>();
  private readonly vehicles = new Map<number, VehicleWindow>();
  private readonly timer: TimerId;
  /** Totals since start, for tests and the station's status. */
  readonly totals = { in: 0, out: 0, merged: 0, held: 0 };

  constructor(
    private readonly clock: Clock,
    private readonly emit: (e: StationEvent) => void,
    o: EventFloodOptions = {},
  ) {
    this.windowMs = Math.max(1, o.windowMs ?? 5000);
    this.perVehicle = Math.max(1, o.perVehicle ?? 10);
    this.timer = clock.setInterval(() => this.flush(), this.windowMs);
  }

  push(e: StationEvent): void {
    this.totals.in++;
    if (e.kind !== 'statustext' || e.sysid === undefined) return this.out(e);
    const key = `${e.sysid}|${e.severity}|${e.args?.text ?? e.text}`;
    const rep = this.repeats.get(key);
    if (rep) {
      rep.count++;
      this.totals.merged++;
      return;
    }
    const v = this.vehicles.get(e.sysid) ?? { passed: 0, held: 0, drone: e.args?.drone ?? `sys${e.sysid}`, lastAtMs: e.atMs };
    this.vehicles.set(e.sysid, v);
    v.lastAtMs = e.atMs;
    if (v.passed >= this.perVehicle) {
      v.held++;
      this.totals.held++;
      return;
    }
    v.passed++;
    this.repeats.set(key, { event: e, count: 0 });
    this.out(e);
  }

  /** End of a window: one event per repeated text (×N), one per vehicle that was held back. */
  flush(): void {
    const now = this.clock.now();
    for (const { event, count } of this.repeats.values()) {
      if (count === 0) continue;
      const times = count + 1;
      const text = `${event.args?.text ?? ''} ×${times}`;
      this.out({ ...event, atMs: now, text: `${event.text} ×${times}`, args: { ...event.args, text, repeats: String(times) } });
    }
    this.repeats.clear();
    for (const [sysid, v] of this.vehicles) {
      if (v.held > 0) {
        this.out({
          atMs: now,
          sysid,
          kind: 'statustext-flood',
          severity: 'warning',
          text: `${v.drone}: ${v.held} more messages not shown in ${Math.round(this.windowMs / 1000)} s (flood)`,
          args: { drone: v.drone, count: String(v.held) },
        });
      }
    }
    this.vehicles.clear();
  }

  close(): void {
    this.clock.clearInterval(this.timer);
    this.flush();
  }

  private out(e: StationEvent): void {
    this.totals.out++;
    this.emit(e);
  }
}

/**
 * What a console that connects later is shown: the most recent events of each severity, kept apart so a
 * flood of one kind (info texts) does not push out the rest (the last alert). In the order they came.
 */
export class RecentEvents {
  private readonly rings = new Map<StationEvent['severity'], { e: StationEvent; n: number }[]>();
  private n = 0;
  constructor(private readonly perSeverity = 50) {}

  add(e: StationEvent): void {
    let ring = this.rings.get(e.severity);
    if (!ring) this.rings.set(e.severity, (ring = []));
    ring.push({ e, n: this.n++ });
    if (ring.length > this.perSeverity) ring.splice(0, ring.length - this.perSeverity);
  }

  list(): StationEvent[] {
    return [...this.rings.values()].flat().sort((a, b) => a.n - b.n).map((x) => x.e);
  }
}
