/**
 * A small RTSP client (RFC 2326) for a drone's or an IP camera's video: OPTIONS, DESCRIBE, SETUP, PLAY, then a
 * keep-alive at half the session's timeout (GET_PARAMETER when the server lists it, else OPTIONS; a 454 Session
 * Not Found starts over), TEARDOWN on close, and a new connection 2 s after any failure. The SDP's rtpmap says
 * H264 or H265 and its sprop-parameter-sets seed SPS/PPS.
 *
 * The URL's scheme chooses the RTP transport. The schemes are GStreamer's (gst_rtsp_url_parse: rtspu = UDP,
 * rtspt = TCP only), the ones camera managers advertise in MAVLink stream URIs; ffmpeg says the same with
 * `-rtsp_transport udp|tcp`, and both try UDP first for a plain rtsp:// where this client tries TCP first:
 * - `rtsp://`  RTP interleaved on the RTSP TCP connection (`$`-framed, on the channels the reply names): it
 *              passes the NATs and firewalls a drone's radio sits behind. A server that refuses it (461
 *              Unsupported Transport) gets UDP instead.
 * - `rtspu://` RTP over UDP (RFC 2326 §12.39): `client_port=A-B` is an even/odd pair bound on the connection's
 *              local address, RTP on A, RTCP on B (sender reports); keyframe requests (PLI + FIR) and receiver
 *              reports go to the second `server_port` of the reply. A server that answers 461 gets TCP instead.
 * - `rtspt://` interleaved TCP only.
 * Requests always carry `rtsp://`, without the userinfo. The query belongs to the camera (`?channel=1&subtype=0`)
 * and is sent as is: ffmpeg's old `?tcp`/`?udp` URL options are deprecated there and would collide with it.
 * `rtsps://` (TLS) is not supported.
 *
 * Credentials come from the URL's userinfo and answer Basic or Digest challenges (rtsp-auth.ts). describe(),
 * errors and log lines show the URL through redactUrl (exported here), never with the password.
 */
import { err, ok, type Result } from '../../common/result.js';
import type { VideoCodec } from './h264.js';
import { keyframeRequest } from './rtp.js';
import { credentialsFromUrl, redactUrl, requestUrl, RtspAuth } from './rtsp-auth.js';
import { header, REQUEST_TIMEOUT_MS, RtspConnection, type LowerTransport, type Reply } from './rtsp-connection.js';
import { parseTransport, receiverReport } from './rtsp-udp.js';
import type { PacketSink, VideoSource } from './udp-source.js';
import { realDeadline, realEvery, type Cancel } from '../real-time.js';

export { redactUrl } from './rtsp-auth.js';
export type { LowerTransport } from './rtsp-connection.js';

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

/** The RTP transports to try, in order, for a URL (see the header). */
export function transportOrder(url: string): LowerTransport[] {
  const scheme = /^([a-z][\w+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  return scheme === 'rtspu' ? ['udp', 'tcp'] : scheme === 'rtspt' ? ['tcp'] : ['tcp', 'udp'];
}

export interface RtspHooks {
  onParams(nals: Uint8Array[], codec: VideoCodec): void;
  onError(reason: string): void;
  log?: ((line: string) => void) | undefined;
}

const RETRY_MS = 2000;
/** After a refused login, wait longer: IP cameras lock an account out after a few failed logins in a row. */
const AUTH_RETRY_MS = 60_000;
const RECEIVER_REPORT_MS = 5000;

/** Connects in the background and reconnects 2 s after a failure (60 s after a refused login); errors go to hooks.onError. */
export function openRtspSource(url: string, sink: PacketSink, hooks: RtspHooks): Result<VideoSource> {
  const shown = redactUrl(url);
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return err('bad-url', `rtsp: "${shown}" is not a URL`);
  }
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(target.port || 554);
  const reqUrl = requestUrl(url);
  const order = transportOrder(url);
  const auth = new RtspAuth(credentialsFromUrl(url));
  const ourSsrc = (Math.random() * 0xffffffff) >>> 0;
  let firSeq = 0;
  let closed = false;
  let conn: RtspConnection | undefined;
  let retry: Cancel | undefined;

  /** OPTIONS … PLAY on a new connection: why it failed, or undefined when the stream plays. */
  const play = async (c: RtspConnection): Promise<string | undefined> => {
    const problem = (method: string, r: Reply | undefined) =>
      !r
        ? c.gone
          ? `rtsp: ${shown} closed the connection (${method})`
          : `rtsp: ${shown} did not answer ${method} within ${REQUEST_TIMEOUT_MS / 1000} s`
        : r.status === 401
          ? auth.explain(method, shown)
          : `rtsp: ${method} ${shown} answered ${r.status} ${r.text}`.trimEnd();
    const o = await c.request('OPTIONS', reqUrl);
    if (!o || o.status === 401) return problem('OPTIONS', o);
    const keepAlive = /\bGET_PARAMETER\b/i.test(header(o, 'public') ?? '') ? 'GET_PARAMETER' : 'OPTIONS';
    const d = await c.request('DESCRIBE', reqUrl, { Accept: 'application/sdp' });
    if (d?.status !== 200) return problem('DESCRIBE', d);
    const v = parseSdpVideo(d.body);
    if (!v) return `rtsp: ${shown} has no video track`;
    hooks.onParams(v.params, v.codec);
    c.base = header(d, 'content-base') ?? header(d, 'content-location') ?? reqUrl;
    const track = !v.control || v.control === '*' ? c.base : /^rtsp:/i.test(v.control) ? v.control : `${c.base.replace(/\/?$/, '/')}${v.control}`;
    for (const [i, lower] of order.entries()) {
      const next = order[i + 1];
      const pair = lower === 'udp' ? await c.openUdp() : undefined;
      if (lower === 'udp' && !pair) {
        if (c.gone) return problem('SETUP', undefined);
        if (!next) return `rtsp: no free UDP port pair on ${c.sock.localAddress ?? '?'}`;
        continue;
      }
      const s = await c.request('SETUP', track, { Transport: pair ? `RTP/AVP;unicast;client_port=${pair.port}-${pair.port + 1}` : 'RTP/AVP/TCP;unicast;interleaved=0-1' });
      if (s?.status === 461 && next) {
        hooks.log?.(`rtsp: ${shown} refused RTP over ${lower.toUpperCase()} (461 Unsupported Transport); trying ${next.toUpperCase()}`);
        c.closeUdp();
        continue;
      }
      if (s?.status !== 200) return problem('SETUP', s);
      const [id, ...attrs] = (header(s, 'session') ?? '').split(';');
      c.session = id!.trim();
      const timeoutS = Number(/^\s*timeout\s*=\s*(\d+)/i.exec(attrs.find((a) => /timeout/i.test(a)) ?? '')?.[1] ?? 60);
      const t = parseTransport(header(s, 'transport') ?? '');
      if (pair && t.serverPort) c.serverRtcp = { address: t.source ?? c.sock.remoteAddress ?? host, port: t.serverPort[1] };
      if (!pair && t.interleaved) c.channels = t.interleaved;
      c.transport = lower;
      // The first receiver report opens NAT bindings before the media comes.
      const report = () => c.sendRtcp(receiverReport(ourSsrc, 'kongxun'));
      if (pair) report();
      const p = await c.request('PLAY', c.base, { Range: 'npt=0-' });
      if (p?.status !== 200) return problem('PLAY', p);
      hooks.onError('');
      hooks.log?.(`rtsp: ${shown} playing, RTP over ${pair ? `UDP (client ports ${pair.port}-${pair.port + 1}, server RTCP ${c.serverRtcp?.port ?? 'unknown'})` : `TCP (interleaved ${c.channels.join('-')})`}`);
      const keepAliveOnce = async () => {
        // The server forgot the session (it timed out, or restarted): start over on a new connection.
        if ((await c.request(keepAlive, c.base))?.status === 454) c.sock.destroy(new Error(`${keepAlive} answered 454 Session Not Found`));
      };
      c.timers.push(realEvery(Math.max(1, timeoutS) * 500, () => void keepAliveOnce()));
      if (pair) c.timers.push(realEvery(RECEIVER_REPORT_MS, report));
      return undefined;
    }
    return `rtsp: ${shown}: no RTP transport left to try`;
  };

  const run = () => {
    if (closed) return;
    const c = new RtspConnection(host, port, auth, sink);
    conn = c;
    let failed = false;
    let authFailed = false;
    const fail = (reason: string) => {
      if (closed || failed) return;
      failed = true;
      authFailed = /authentication failed/.test(reason);
      hooks.onError(reason);
      c.sock.destroy();
    };
    c.sock.on('error', (e) => fail(`rtsp: ${shown}: ${e.message}`));
    c.sock.on('close', () => {
      if (!closed) retry = realDeadline(authFailed ? AUTH_RETRY_MS : RETRY_MS, run);
    });
    c.sock.on('connect', () => {
      play(c).then(
        (problem) => problem && fail(problem),
        (e: unknown) => fail(`rtsp: ${shown}: ${e instanceof Error ? e.message : String(e)}`),
      );
    });
  };
  run();
  return ok({
    requestKeyframe(mediaSsrc) {
      conn?.sendRtcp(keyframeRequest(ourSsrc, mediaSsrc, firSeq++));
    },
    describe: () => shown,
    close: async () => {
      closed = true;
      if (retry) retry();
      await conn?.teardown();
    },
  });
}
