/**
 * The LOG_* protocol, vehicle side (ArduPilot's AP_Logger MAVLink log download):
 *  - LOG_REQUEST_LIST(start, end): one LOG_ENTRY per log in [start, end] (ids from 1; `end` 0xFFFF = all),
 *    or a single LOG_ENTRY id 0 / num_logs 0 when there are none.
 *  - LOG_REQUEST_DATA(id, ofs, count): LOG_DATA blocks of 90 bytes from ofs until count bytes or the end;
 *    the last block is short (0 bytes when the size is a multiple of 90). A new request replaces the one in
 *    progress. Blocks go out as fast as the link takes them (ArduPilot sends while there is tx space; modelled
 *    as 80 % of the link, the rest left to telemetry).
 *  - LOG_REQUEST_END stops sending; LOG_ERASE erases every log (the station never sends it).
 * Messages are addressed by the link they came on (LOG_ENTRY/LOG_DATA carry no target).
 */
import { common } from 'mavlink-mappings';
import type { TimerId } from '../common/clock.js';
import { make } from '../mavlink/codec/messages.js';
import type { FtpHost } from './ftp-server.js';
import type { LogStore } from './log-store.js';
import type { SimLink } from './link.js';

export const LOG_DATA_BYTES = 90;
/** LOG_DATA frame: 97-byte payload + 12 bytes of MAVLink 2 framing. */
const LOG_DATA_FRAME = 109;
const LOG_ENTRY_INTERVAL_MS = 10;
const FAST_BLOCK_MS = 1;

interface Sending {
  link: SimLink;
  peer: string | undefined;
  id: number;
  ofs: number;
  end: number;
  timer: TimerId | undefined;
}

export class LogServer {
  private sending: Sending | undefined;
  private listTimer: TimerId | undefined;
  readonly stats = { entries: 0, blocks: 0 };

  constructor(
    private readonly host: FtpHost,
    private readonly logs: LogStore,
  ) {}

  requestList(link: SimLink, peer: string | undefined, m: common.LogRequestList): void {
    const all = this.logs.list();
    const num = all.length;
    const last = this.logs.lastId;
    if (this.listTimer !== undefined) this.host.clock.clearTimeout(this.listTimer);
    this.listTimer = undefined;
    if (num === 0) {
      this.host.sendOn(link, make(common.LogEntry, { id: 0, numLogs: 0, lastLogNum: 0, timeUtc: 0, size: 0 }), peer);
      return;
    }
    const wanted = all.filter((l) => l.id >= m.start && l.id <= m.end);
    let i = 0;
    const step = (): void => {
      this.listTimer = undefined;
      const l = wanted[i++];
      if (!l) return;
      this.stats.entries++;
      this.host.sendOn(link, make(common.LogEntry, { id: l.id, numLogs: num, lastLogNum: last, timeUtc: l.timeUtcS, size: l.size }), peer);
      this.listTimer = this.host.clock.setTimeout(step, LOG_ENTRY_INTERVAL_MS);
    };
    step();
  }

  requestData(link: SimLink, peer: string | undefined, m: common.LogRequestData): void {
    this.stop();
    const bytes = this.logs.bytes(m.id);
    if (!bytes) return; // ArduPilot ignores a request for a log it does not have
    const end = Math.min(bytes.length, m.ofs + m.count);
    this.sending = { link, peer, id: m.id, ofs: m.ofs, end, timer: undefined };
    this.pump();
  }

  private intervalMs(): number {
    const bw = this.host.radio.bytesPerSecond;
    // As fast as tx space allows, which telemetry shares: 80 % of the link.
    return bw === undefined || bw <= 0 ? FAST_BLOCK_MS : (LOG_DATA_FRAME * 1000) / (bw * 0.8);
  }

  private pump(): void {
    const s = this.sending;
    if (!s) return;
    s.timer = undefined;
    const bytes = this.logs.bytes(s.id);
    if (!bytes) return this.stop();
    const n = Math.max(0, Math.min(LOG_DATA_BYTES, s.end - s.ofs));
    const data = new Array<number>(LOG_DATA_BYTES).fill(0);
    for (let i = 0; i < n; i++) data[i] = bytes[s.ofs + i]!;
    this.stats.blocks++;
    this.host.sendOn(s.link, make(common.LogData, { id: s.id, ofs: s.ofs, count: n, data }), s.peer);
    s.ofs += n;
    if (n < LOG_DATA_BYTES || s.ofs >= s.end) {
      // A short (possibly empty) block ends the file; a request that ends mid-file just stops.
      if (n === LOG_DATA_BYTES && s.ofs >= bytes.length) {
        this.host.sendOn(s.link, make(common.LogData, { id: s.id, ofs: s.ofs, count: 0, data: new Array<number>(LOG_DATA_BYTES).fill(0) }), s.peer);
      }
      this.sending = undefined;
      return;
    }
    s.timer = this.host.clock.setTimeout(() => this.pump(), this.intervalMs());
  }

  stop(): void {
    const s = this.sending;
    if (s?.timer !== undefined) this.host.clock.clearTimeout(s.timer);
    this.sending = undefined;
  }

  erase(): void {
    this.stop();
    this.logs.eraseAll();
  }
}
