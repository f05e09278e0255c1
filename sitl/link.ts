/**
 * One MAVLink link of a simulated drone (ArduPilot calls it a channel): the connection, whether the GCS has
 * spoken on it yet (STATUSTEXT and the once-only SYS_STATUS/GPS_GLOBAL_ORIGIN/HOME_POSITION depend on it),
 * and its message schedule.
 *
 * Rates follow ArduPilot: each REQUEST_DATA_STREAM group (EXTENDED_STATUS, POSITION, EXTRA1..3, or ALL) has
 * a rate in Hz per link; MAV_CMD_SET_MESSAGE_INTERVAL overrides one message (interval µs > 0), disables it
 * (-1) or returns it to its group's rate (0). HEARTBEAT runs at 1 Hz unless overridden. Each message id with
 * an interval gets its own timer on the drone's clock; timers are re-armed only when a rate changes.
 */
import { common } from 'mavlink-mappings';
import type { Clock, TimerId } from '../common/clock.js';
import type { MavConnection } from '../mavlink/connection.js';

const { MavDataStream } = common;

/** Message ids the simulator can produce on a schedule. */
export const MSG = {
  HEARTBEAT: 0,
  SYS_STATUS: 1,
  GPS_RAW_INT: 24,
  ATTITUDE: 30,
  GLOBAL_POSITION_INT: 33,
  MISSION_CURRENT: 42,
  GPS_GLOBAL_ORIGIN: 49,
  VFR_HUD: 74,
  TIMESYNC: 111,
  AUTOPILOT_VERSION: 148,
  BATTERY_STATUS: 147,
  MOUNT_STATUS: 158,
  EKF_STATUS_REPORT: 193,
  HOME_POSITION: 242,
  EXTENDED_SYS_STATE: 245,
} as const;

/** ArduCopter's stream groups, restricted to the messages this simulator implements. */
export const STREAM_GROUPS: ReadonlyMap<number, readonly number[]> = new Map<number, readonly number[]>([
  [MavDataStream.EXTENDED_STATUS, [MSG.SYS_STATUS, MSG.GPS_RAW_INT, MSG.MISSION_CURRENT]],
  [MavDataStream.POSITION, [MSG.GLOBAL_POSITION_INT]],
  [MavDataStream.EXTRA1, [MSG.ATTITUDE]],
  [MavDataStream.EXTRA2, [MSG.VFR_HUD]],
  [MavDataStream.EXTRA3, [MSG.BATTERY_STATUS, MSG.EKF_STATUS_REPORT]],
]);

/** Messages that may be given an interval by SET_MESSAGE_INTERVAL. */
export const SCHEDULABLE: ReadonlySet<number> = new Set<number>([
  MSG.HEARTBEAT,
  MSG.SYS_STATUS,
  MSG.GPS_RAW_INT,
  MSG.ATTITUDE,
  MSG.GLOBAL_POSITION_INT,
  MSG.MISSION_CURRENT,
  MSG.GPS_GLOBAL_ORIGIN,
  MSG.VFR_HUD,
  MSG.BATTERY_STATUS,
  MSG.MOUNT_STATUS,
  MSG.EKF_STATUS_REPORT,
  MSG.HOME_POSITION,
  MSG.EXTENDED_SYS_STATE,
]);

function groupOf(msgid: number): number | undefined {
  for (const [g, ids] of STREAM_GROUPS) if (ids.includes(msgid)) return g;
  return undefined;
}

export class SimLink {
  /** True once the GCS has sent anything on this link. */
  active = false;
  private readonly groupHz = new Map<number, number>();
  /** µs as MAVLink gives it: > 0 interval, -1 disabled. Absent = default. */
  private readonly overrides = new Map<number, number>();
  private readonly timers = new Map<number, { id: TimerId; intervalMs: number }>();
  private running = false;

  constructor(
    readonly connection: MavConnection,
    private readonly clock: Clock,
    /** Called when a scheduled message falls due on this link. */
    private readonly emit: (link: SimLink, msgid: number) => void,
  ) {}

  /** Start the schedule (heartbeat at least). */
  start(): void {
    this.running = true;
    this.reschedule();
  }

  stop(): void {
    this.running = false;
    for (const t of this.timers.values()) this.clock.clearInterval(t.id);
    this.timers.clear();
  }

  /** Forget requested rates (reboot). */
  resetRates(): void {
    this.groupHz.clear();
    this.overrides.clear();
    this.active = false;
    this.reschedule();
  }

  /** REQUEST_DATA_STREAM: a group (or ALL) at a rate in Hz; 0 or stop turns it off. */
  requestDataStream(streamId: number, hz: number, start: boolean): void {
    const rate = start ? Math.max(0, hz) : 0;
    if (streamId === MavDataStream.ALL) for (const g of STREAM_GROUPS.keys()) this.groupHz.set(g, rate);
    else if (STREAM_GROUPS.has(streamId)) this.groupHz.set(streamId, rate);
    this.reschedule();
  }

  /** SET_MESSAGE_INTERVAL. Returns false for a message this simulator cannot stream. */
  setMessageInterval(msgid: number, intervalUs: number): boolean {
    if (!SCHEDULABLE.has(msgid)) return false;
    if (intervalUs === 0) this.overrides.delete(msgid);
    else this.overrides.set(msgid, intervalUs < 0 ? -1 : intervalUs);
    this.reschedule();
    return true;
  }

  /** Current interval in ms (0 = not sent). */
  intervalMs(msgid: number): number {
    const o = this.overrides.get(msgid);
    if (o !== undefined) return o < 0 ? 0 : o / 1000;
    if (msgid === MSG.HEARTBEAT) return 1000;
    const g = groupOf(msgid);
    const hz = g === undefined ? 0 : (this.groupHz.get(g) ?? 0);
    return hz > 0 ? 1000 / hz : 0;
  }

  private reschedule(): void {
    if (!this.running) return;
    for (const msgid of SCHEDULABLE) {
      const want = this.intervalMs(msgid);
      const cur = this.timers.get(msgid);
      if (cur && cur.intervalMs === want) continue;
      if (cur) {
        this.clock.clearInterval(cur.id);
        this.timers.delete(msgid);
      }
      if (want > 0) {
        const id = this.clock.setInterval(() => this.emit(this, msgid), want);
        this.timers.set(msgid, { id, intervalMs: want });
      }
    }
  }
}
