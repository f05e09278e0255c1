/**
 * RTP over UDP (`rtp://0.0.0.0:5600`, QGroundControl's convention; `udp://` is taken as the same): RTP on the
 * port, RTCP on port+1. Sender reports give capture time; keyframe requests (PLI + FIR) go back to the sender's
 * RTCP address (or its RTP source port + 1 until it sends RTCP). Senders that ignore RTCP lose nothing by it.
 * parseVideoUrl also takes the RTSP schemes (rtsp://, rtspu://, rtspt://: rtsp.ts), showing any URL redacted.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { err, ok, type Result } from '../../common/result.js';
import { keyframeRequest, parseRtcpSenderReports, type SenderReport } from './rtp.js';
import { redactUrl } from './rtsp-auth.js';

export interface PacketSink {
  rtp(b: Uint8Array): void;
  rtcp(sr: SenderReport): void;
}

export interface VideoSource {
  /** Ask the sender for a keyframe (no-op when it is unknown). */
  requestKeyframe(mediaSsrc: number): void;
  describe(): string;
  close(): Promise<void>;
}

export function parseVideoUrl(url: string): Result<{ scheme: 'rtp' | 'rtsp'; host: string; port: number }> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return err('bad-url', `video: "${redactUrl(url)}" is not a URL (e.g. rtp://0.0.0.0:5600 or rtsp://192.168.144.25:8554/main)`);
  }
  const scheme = u.protocol.replace(':', '');
  if (scheme === 'rtp' || scheme === 'udp') return ok({ scheme: 'rtp', host: u.hostname || '0.0.0.0', port: Number(u.port || 5600) });
  // rtspu:// and rtspt:// are RTSP preferring UDP or only TCP for the media (rtsp.ts).
  if (scheme === 'rtsp' || scheme === 'rtspu' || scheme === 'rtspt') return ok({ scheme: 'rtsp', host: u.hostname, port: Number(u.port || 554) });
  return err('bad-url', `video: unsupported scheme "${scheme}" in ${redactUrl(url)} (rtp://, udp://, rtsp://, rtspu:// or rtspt://)`);
}

function bind(sock: Socket, host: string, port: number): Promise<Result<void>> {
  return new Promise((resolve) => {
    const onErr = (e: Error) => resolve(err('bind-failed', `video: cannot listen on udp ${host}:${port}: ${e.message}`));
    sock.once('error', onErr);
    sock.bind(port, host, () => {
      sock.off('error', onErr);
      resolve(ok(undefined));
    });
  });
}

export async function openUdpSource(host: string, port: number, sink: PacketSink): Promise<Result<VideoSource>> {
  const rtp = createSocket({ type: 'udp4', reuseAddr: false });
  const rtcp = createSocket({ type: 'udp4', reuseAddr: false });
  const a = await bind(rtp, host, port);
  if (!a.ok) return a;
  const b = await bind(rtcp, host, port + 1);
  if (!b.ok) {
    rtp.close();
    return b;
  }
  // Large frames arrive as bursts of packets: a bigger receive buffer keeps the kernel from dropping them.
  try {
    rtp.setRecvBufferSize(4 * 1024 * 1024);
  } catch {
    /* the kernel's limit applies */
  }
  let sender: RemoteInfo | undefined;
  let senderRtcp: { address: string; port: number } | undefined;
  rtp.on('message', (m, r) => {
    sender = r;
    sink.rtp(m);
  });
  rtcp.on('message', (m, r) => {
    senderRtcp = { address: r.address, port: r.port };
    for (const sr of parseRtcpSenderReports(m)) sink.rtcp(sr);
  });
  rtp.on('error', () => undefined);
  rtcp.on('error', () => undefined);
  const ourSsrc = (Math.random() * 0xffffffff) >>> 0;
  let firSeq = 0;
  return ok({
    requestKeyframe(mediaSsrc) {
      const to = senderRtcp ?? (sender ? { address: sender.address, port: sender.port + 1 } : undefined);
      if (!to) return;
      rtcp.send(keyframeRequest(ourSsrc, mediaSsrc, firSeq++), to.port, to.address);
    },
    describe: () => `rtp://${host}:${port}`,
    close: async () => {
      await Promise.all([new Promise<void>((r) => rtp.close(() => r())), new Promise<void>((r) => rtcp.close(() => r()))]);
    },
  });
}
