/**
 * One RTSP control connection (RFC 2326 §10, §10.12): requests matched to their replies by CSeq, each answered once
 * more after a 401 the credentials can meet, `$`-framed RTP and RTCP on the channels SETUP chose, and the session's
 * UDP port pair when SETUP chose UDP. rtsp.ts drives it through OPTIONS … PLAY.
 */
import { connect, type Socket } from 'node:net';
import { parseRtcpSenderReports } from './rtp.js';
import type { RtspAuth } from './rtsp-auth.js';
import { bindPortPair, type UdpPair } from './rtsp-udp.js';
import type { PacketSink } from './udp-source.js';
import { realDeadline, realSleep, type Cancel } from '../real-time.js';

export type LowerTransport = 'tcp' | 'udp';

export const REQUEST_TIMEOUT_MS = 10_000;
const TEARDOWN_WAIT_MS = 500;

export interface Reply {
  status: number;
  text: string;
  headers: Map<string, string[]>;
  body: string;
  /** The request carried an Authorization. */
  authorized: boolean;
}
export const header = (r: Reply, name: string) => r.headers.get(name)?.[0];

export class RtspConnection {
  readonly sock: Socket;
  session = '';
  /** Aggregate control URL: PLAY, keep-alive, TEARDOWN. */
  base = '';
  /** Set once SETUP succeeded. */
  transport: LowerTransport | undefined;
  channels: [number, number] = [0, 1];
  udp: UdpPair | undefined;
  serverRtcp: { address: string; port: number } | undefined;
  /** The session's repeating real-time jobs (keep-alive, receiver reports), cancelled on release. */
  readonly timers: Cancel[] = [];
  private buf: Buffer = Buffer.alloc(0);
  private cseq = 0;
  private readonly waiting = new Map<number, (r: Reply | undefined) => void>();

  constructor(
    host: string,
    port: number,
    private readonly auth: RtspAuth,
    private readonly sink: PacketSink,
  ) {
    this.sock = connect(port, host);
    this.sock.setNoDelay(true);
    this.sock.on('data', (d: Buffer) => this.onData(d));
    this.sock.on('close', () => this.release());
  }

  get gone(): boolean {
    return this.sock.destroyed;
  }

  /** A request, sent once more after a 401 we can answer; undefined when no reply came (closed, or timed out). */
  async request(method: string, uri: string, headers: Record<string, string> = {}): Promise<Reply | undefined> {
    const r = await this.send(method, uri, headers);
    if (r?.status !== 401 || !this.auth.accept(r.headers.get('www-authenticate') ?? [], r.authorized)) return r;
    return this.send(method, uri, headers);
  }

  private send(method: string, uri: string, extra: Record<string, string>): Promise<Reply | undefined> {
    if (this.gone) return Promise.resolve(undefined);
    const cseq = ++this.cseq;
    const authorization = this.auth.header(method, uri);
    const h = { CSeq: String(cseq), 'User-Agent': 'kongxun', ...(this.session ? { Session: this.session } : {}), ...(authorization ? { Authorization: authorization } : {}), ...extra };
    this.sock.write(`${method} ${uri} RTSP/1.0\r\n${Object.entries(h).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
    return new Promise((resolve) => {
      const done = (r: Reply | undefined) => {
        cancel();
        this.waiting.delete(cseq);
        resolve(r && { ...r, authorized: authorization !== undefined });
      };
      const cancel = realDeadline(REQUEST_TIMEOUT_MS, () => done(undefined));
      this.waiting.set(cseq, done);
    });
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length > 0 ? Buffer.concat([this.buf, d]) : d;
    while (this.buf.length > 0) {
      if (this.buf[0] === 0x24) {
        if (this.buf.length < 4) return;
        const len = this.buf.readUInt16BE(2);
        if (this.buf.length < 4 + len) return;
        const ch = this.buf[1];
        const payload = new Uint8Array(this.buf.subarray(4, 4 + len));
        this.buf = this.buf.subarray(4 + len);
        if (ch === this.channels[0]) this.sink.rtp(payload);
        else if (ch === this.channels[1]) for (const sr of parseRtcpSenderReports(payload)) this.sink.rtcp(sr);
        continue;
      }
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (this.buf.length > 65536) this.sock.destroy(new Error('not an RTSP stream (no message header in 64 KiB)'));
        return;
      }
      const lines = this.buf.subarray(0, end).toString('latin1').split('\r\n');
      const headers = new Map<string, string[]>();
      for (const l of lines.slice(1)) {
        const c = l.indexOf(':');
        if (c <= 0) continue;
        const k = l.slice(0, c).trim().toLowerCase();
        headers.set(k, [...(headers.get(k) ?? []), l.slice(c + 1).trim()]);
      }
      const len = Number(headers.get('content-length')?.[0] ?? 0);
      if (this.buf.length < end + 4 + len) return;
      const body = this.buf.subarray(end + 4, end + 4 + len).toString();
      this.buf = this.buf.subarray(end + 4 + len);
      const status = /^RTSP\/\d\.\d (\d{3}) ?(.*)$/.exec(lines[0] ?? '');
      const cseq = headers.get('cseq')?.[0];
      // A reply names its request by CSeq (one without is taken as the oldest's; one for a request given up is dropped).
      const to = cseq === undefined ? this.waiting.values().next().value : this.waiting.get(Number(cseq));
      if (status) to?.({ status: Number(status[1]), text: status[2]!, headers, body, authorized: false });
      // A request from the server (ANNOUNCE, SET_PARAMETER, …): nothing here needs one.
      else this.sock.write(`RTSP/1.0 501 Not Implemented\r\nCSeq: ${cseq ?? 0}\r\n\r\n`);
    }
  }

  /** Binds the UDP pair on the connection's local address; undefined when none is free. */
  async openUdp(): Promise<UdpPair | undefined> {
    const pair = await bindPortPair(this.sock.localAddress ?? '0.0.0.0');
    if (!pair || this.gone) {
      if (pair) closePair(pair);
      return undefined;
    }
    this.udp = pair;
    pair.rtp.on('message', (m: Buffer) => this.sink.rtp(m));
    pair.rtcp.on('message', (m: Buffer, from) => {
      this.serverRtcp ??= { address: from.address, port: from.port };
      for (const sr of parseRtcpSenderReports(m)) this.sink.rtcp(sr);
    });
    return pair;
  }

  closeUdp(): void {
    if (this.udp) closePair(this.udp);
    this.udp = undefined;
    this.serverRtcp = undefined;
  }

  /** RTCP to the server: on the RTCP channel, or to its RTCP port (once known). */
  sendRtcp(pkt: Uint8Array): void {
    if (this.gone || !this.transport) return;
    if (this.transport === 'udp') {
      if (this.udp && this.serverRtcp) this.udp.rtcp.send(pkt, this.serverRtcp.port, this.serverRtcp.address);
      return;
    }
    this.sock.write(Buffer.concat([Buffer.from([0x24, this.channels[1], pkt.length >> 8, pkt.length & 0xff]), pkt]));
  }

  /** TEARDOWN (waiting briefly for the reply), then close everything. */
  async teardown(): Promise<void> {
    if (this.session && !this.gone) await Promise.race([this.request('TEARDOWN', this.base), realSleep(TEARDOWN_WAIT_MS, { unref: true })]);
    this.sock.destroy();
    this.release();
  }

  private release(): void {
    for (const cancel of this.timers.splice(0)) cancel();
    this.closeUdp();
    for (const w of [...this.waiting.values()]) w(undefined);
  }
}

function closePair(p: UdpPair): void {
  p.rtp.close();
  p.rtcp.close();
}
