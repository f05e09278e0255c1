/**
 * A small RTSP client (RFC 2326): OPTIONS, DESCRIBE, SETUP (RTP interleaved over the TCP connection), PLAY,
 * then `$`-framed RTP (channel 0) and RTCP (channel 1) on the same socket, and a GET_PARAMETER keep-alive.
 * The SDP's rtpmap says H264 or H265 and its sprop-parameter-sets seed SPS/PPS. No authentication yet; UDP
 * transport is not implemented (interleaved TCP passes every NAT and firewall a drone's radio sits behind).
 */
import { connect, type Socket } from 'node:net';
import { ok, type Result } from '../../mavlink/result.js';
import type { VideoCodec } from './h264.js';
import { keyframeRequest, parseRtcpSenderReports } from './rtp.js';
import type { PacketSink, VideoSource } from './udp-source.js';

export interface SdpVideo {
  control: string | null;
  codec: VideoCodec;
  params: Uint8Array[];
}

export function parseSdpVideo(sdp: string): SdpVideo | undefined {
  const lines = sdp.split(/\r?\n/);
  const i = lines.findIndex((l) => l.startsWith('m=video'));
  if (i < 0) return undefined;
  const media = [];
  for (let k = i + 1; k < lines.length && !lines[k]!.startsWith('m='); k++) media.push(lines[k]!);
  const control = media.find((l) => l.startsWith('a=control:'))?.slice(10).trim() ?? null;
  const rtpmap = media.find((l) => l.startsWith('a=rtpmap:')) ?? '';
  const codec: VideoCodec = /H265|HEVC/i.test(rtpmap) ? 'h265' : /H264/i.test(rtpmap) ? 'h264' : 'unknown';
  const sprop = /sprop-parameter-sets=([^;\s]+)/.exec(media.find((l) => l.startsWith('a=fmtp:')) ?? '');
  const params = sprop ? sprop[1]!.split(',').filter(Boolean).map((b) => new Uint8Array(Buffer.from(b, 'base64'))) : [];
  return { control, codec, params };
}

export interface RtspHooks {
  onParams(nals: Uint8Array[], codec: VideoCodec): void;
  onError(reason: string): void;
  log?: ((line: string) => void) | undefined;
}

/** Connects in the background and reconnects every 2 s after a failure; errors go to hooks.onError. */
export function openRtspSource(url: string, sink: PacketSink, hooks: RtspHooks): Result<VideoSource> {
  let sock: Socket | undefined;
  let closed = false;
  let cseq = 0;
  let session = '';
  let keepAlive: NodeJS.Timeout | undefined;
  let retry: NodeJS.Timeout | undefined;
  const ourSsrc = (Math.random() * 0xffffffff) >>> 0;
  let firSeq = 0;

  const run = () => {
    if (closed) return;
    const u = new URL(url);
    const s = connect(Number(u.port || 554), u.hostname);
    sock = s;
    let buf = Buffer.alloc(0);
    const pending: ((r: { status: number; headers: Map<string, string>; body: string }) => void)[] = [];
    const request = (method: string, uri: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; headers: Map<string, string>; body: string }>((resolve) => {
        const h = { CSeq: String(++cseq), 'User-Agent': 'kongxun', ...(session ? { Session: session } : {}), ...headers };
        s.write(`${method} ${uri} RTSP/1.0\r\n${Object.entries(h).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
        pending.push(resolve);
      });
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        if (buf.length >= 4 && buf[0] === 0x24) {
          const len = buf.readUInt16BE(2);
          if (buf.length < 4 + len) return;
          const payload = new Uint8Array(buf.subarray(4, 4 + len));
          const ch = buf[1];
          buf = buf.subarray(4 + len);
          if (ch === 0) sink.rtp(payload);
          else if (ch === 1) for (const sr of parseRtcpSenderReports(payload)) sink.rtcp(sr);
          continue;
        }
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString();
        const headers = new Map<string, string>();
        for (const l of head.split('\r\n').slice(1)) {
          const c = l.indexOf(':');
          if (c > 0) headers.set(l.slice(0, c).trim().toLowerCase(), l.slice(c + 1).trim());
        }
        const len = Number(headers.get('content-length') ?? 0);
        if (buf.length < end + 4 + len) return;
        const body = buf.subarray(end + 4, end + 4 + len).toString();
        buf = buf.subarray(end + 4 + len);
        const status = Number(/^RTSP\/1\.0 (\d+)/.exec(head)?.[1] ?? 0);
        pending.shift()?.({ status, headers, body });
      }
    });
    const fail = (reason: string) => {
      hooks.onError(reason);
      s.destroy();
    };
    s.on('error', (e) => fail(`rtsp: ${e.message}`));
    s.on('close', () => {
      if (keepAlive) clearInterval(keepAlive);
      if (!closed) retry = setTimeout(run, 2000);
    });
    s.on('connect', () => {
      void (async () => {
        session = '';
        const d = await request('DESCRIBE', url, { Accept: 'application/sdp' });
        if (d.status !== 200) return fail(`rtsp: DESCRIBE ${url} answered ${d.status}`);
        const v = parseSdpVideo(d.body);
        if (!v) return fail('rtsp: the stream has no video');
        hooks.onParams(v.params, v.codec);
        const base = d.headers.get('content-base') ?? url;
        const track = !v.control || v.control === '*' ? base : /^rtsp:/.test(v.control) ? v.control : `${base.replace(/\/?$/, '/')}${v.control}`;
        const st = await request('SETUP', track, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' });
        if (st.status !== 200) return fail(`rtsp: SETUP answered ${st.status}`);
        session = (st.headers.get('session') ?? '').split(';')[0] ?? '';
        const p = await request('PLAY', base, { Range: 'npt=0-' });
        if (p.status !== 200) return fail(`rtsp: PLAY answered ${p.status}`);
        hooks.onError('');
        keepAlive = setInterval(() => void request('GET_PARAMETER', base), 20_000);
      })();
    });
  };
  run();
  return ok({
    requestKeyframe(mediaSsrc) {
      if (!sock?.writable) return;
      const pkt = keyframeRequest(ourSsrc, mediaSsrc, firSeq++);
      const h = Buffer.from([0x24, 1, pkt.length >> 8, pkt.length & 0xff]);
      sock.write(Buffer.concat([h, pkt]));
    },
    describe: () => url,
    close: async () => {
      closed = true;
      if (retry) clearTimeout(retry);
      if (keepAlive) clearInterval(keepAlive);
      sock?.destroy();
    },
  });
}
