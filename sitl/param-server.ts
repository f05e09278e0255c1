/**
 * The parameter protocol, vehicle side, as ArduPilot's GCS_Param does it:
 *  - PARAM_REQUEST_LIST: the 3-line banner, then every PARAM_VALUE in index order, paced like
 *    GCS_MAVLINK::queued_param_send: at most 30 % of the link's bandwidth (ArduPilot's
 *    `link_bw * dt / 3333`), at the captured TCP rate (~2300/s: 1349 in 0.58 s) when the bandwidth is unknown.
 *    A new request restarts the list on that link.
 *  - PARAM_REQUEST_READ by name or index: answered at once; an unknown name or index gets no answer.
 *  - PARAM_SET: stored (integers rounded) and echoed as PARAM_VALUE with param_index 65535 on every active
 *    link, also when unchanged; an unknown name gets no answer (the GCS times out), as on ArduPilot.
 *  - Any other change of a parameter (the simulator's own, e.g. calibration) is announced the same way.
 */
import { common } from 'mavlink-mappings';
import type { Clock, TimerId } from '../common/clock.js';
import { make, type MavLinkData } from '../mavlink/codec/messages.js';
import { BANNER } from './boot.js';
import type { SimLink } from './link.js';
import type { ParamDef, ParamStore } from './params.js';

export interface ParamHost {
  readonly params: ParamStore;
  readonly clock: Clock;
  /** The radio as the autopilot knows it (bytes/s = SERIALn_BAUD / 10; undefined = a fast link). */
  readonly radio?: { bytesPerSecond?: number | undefined };
  sendOn(link: SimLink, msg: MavLinkData, peer?: string): void;
  broadcast(msg: MavLinkData, activeOnly?: boolean): void;
  text(severity: number, text: string): void;
}

/** PARAM_VALUE on the wire: 25-byte payload + 12 bytes of MAVLink 2 framing. */
export const PARAM_VALUE_FRAME_BYTES = 37;
/** Share of the link ArduPilot gives to a parameter list. */
export const PARAM_LIST_BANDWIDTH_SHARE = 0.3;
const TICK_MS = 20;
/** Captured over TCP (no bandwidth limit): 1349 PARAM_VALUE in 0.584 s. */
const FAST_PARAMS_PER_S = 2300;

interface ListJob {
  link: SimLink;
  peer: string | undefined;
  next: number;
  credit: number;
}

export class ParamServer {
  private readonly jobs = new Map<SimLink, ListJob>();
  private timer: TimerId | undefined;
  private quiet = false;

  constructor(private readonly host: ParamHost) {
    host.params.onChange((name) => {
      if (this.quiet) return;
      const d = host.params.byName(name);
      if (d) host.broadcast(this.value(d, 65535), true);
    });
  }

  value(d: ParamDef, index: number): MavLinkData {
    return make(common.ParamValue, {
      paramId: d.name,
      paramValue: d.value,
      paramType: d.type,
      paramCount: this.host.params.count,
      paramIndex: index,
    });
  }

  requestList(link: SimLink, peer: string | undefined): void {
    for (const line of BANNER) this.host.text(common.MavSeverity.INFO, line);
    this.jobs.set(link, { link, peer, next: 0, credit: PARAM_VALUE_FRAME_BYTES });
    this.pump();
    if (this.timer === undefined && this.jobs.size > 0) this.timer = this.host.clock.setInterval(() => this.pump(), TICK_MS);
  }

  /** Whether a list is being sent on a link (tests). */
  listing(link: SimLink): boolean {
    return this.jobs.has(link);
  }

  private pump(): void {
    const p = this.host.params;
    const bps = this.host.radio?.bytesPerSecond;
    const perTick = bps !== undefined && bps > 0 ? (bps * PARAM_LIST_BANDWIDTH_SHARE * TICK_MS) / 1000 : (FAST_PARAMS_PER_S * PARAM_VALUE_FRAME_BYTES * TICK_MS) / 1000;
    for (const job of [...this.jobs.values()]) {
      while (job.credit >= PARAM_VALUE_FRAME_BYTES && job.next < p.count) {
        const d = p.at(job.next)!;
        this.host.sendOn(job.link, this.value(d, job.next), job.peer);
        job.next++;
        job.credit -= PARAM_VALUE_FRAME_BYTES;
      }
      job.credit = Math.min(job.credit + perTick, Math.max(perTick, PARAM_VALUE_FRAME_BYTES) * 2);
      if (job.next >= p.count) this.jobs.delete(job.link);
    }
    if (this.jobs.size === 0 && this.timer !== undefined) {
      this.host.clock.clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Stop sending (link detached, drone stopped). */
  stop(link?: SimLink): void {
    if (link) this.jobs.delete(link);
    else this.jobs.clear();
    if (this.jobs.size === 0 && this.timer !== undefined) {
      this.host.clock.clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  requestRead(link: SimLink, peer: string | undefined, m: common.ParamRequestRead): void {
    const p = this.host.params;
    const d = m.paramIndex >= 0 ? p.at(m.paramIndex) : p.byName(m.paramId);
    if (d) this.host.sendOn(link, this.value(d, d.index), peer);
  }

  set(m: common.ParamSet): void {
    this.quiet = true;
    let d: ReturnType<ParamStore['set']>;
    try {
      d = this.host.params.set(m.paramId, m.paramValue);
    } finally {
      this.quiet = false;
    }
    if (!d) return;
    this.host.broadcast(this.value(d, 65535), true);
  }
}
