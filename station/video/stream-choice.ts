/**
 * Which of the streams a drone announces (VIDEO_STREAM_INFORMATION) the station shows, and the URL the video hub
 * opens for it: pure decisions, used by the discovery (station/video/discovery.ts, whose header says whom it asks
 * and when). With their sources (third-party code read through the search index, not copied):
 *
 *  - Which stream. All streams of a component are collected for `collectMs` after the first (their `count` is
 *    not reliable: mavlink-camera-manager sends 0). Among those the station can open: RUNNING first
 *    (VIDEO_STREAM_STATUS_FLAGS_RUNNING), then not THERMAL, then H.264, unknown, H.265 (the hub shows H.265 as
 *    not decodable), then the lowest stream id. The first component that yields a source wins for the drone
 *    until it reboots; the other components stop being asked.
 *  - The URL (QGroundControl's VideoManager::_updateAutoStream): RTSP → the URI as is. RTP/UDP → the URI is the
 *    port the station listens on ("5600", as ArduPilot's applet sends it) or udp://HOST:PORT (udp265:// for
 *    H.265, as mavlink-camera-manager sends it); QGC turns a bare port into udp://0.0.0.0:PORT. Here
 *    rtp://0.0.0.0:PORT, except a loopback HOST (drone and station on one machine) which stays 127.0.0.1; any
 *    other unicast HOST is where the drone sends, i.e. the station as the drone sees it: the station listens on
 *    every interface. MPEG on TCP, MPEG-TS over UDP, WHEP, multicast groups: not supported by the hub — a log
 *    line names the drone and what it offered, as does a malformed message (empty URI, garbage, a port out of
 *    range), once per component and not again while it repeats itself. Credentials in a URI stay out of the log.
 */
import { common, minimal } from 'mavlink-mappings';
import type { MavLinkData } from '../../mavlink/codec/messages.js';

export const MSG_VIDEO_STREAM_INFORMATION = 269;
/** MAV_COMP_ID_CAMERA .. MAV_COMP_ID_CAMERA6. */
export const CAMERA_COMPIDS = { first: 100, last: 105 } as const;

/** The fields of VIDEO_STREAM_INFORMATION the station uses. */
export interface StreamInfo {
  streamId: number;
  count: number;
  type: number;
  flags: number;
  encoding: number;
  name: string;
  uri: string;
}

export type StreamUrl = { ok: true; url: string; note?: string } | { ok: false; reason: string };

const T = common.VideoStreamType;
const E = common.VideoStreamEncoding;
const F = common.VideoStreamStatusFlags;

const TYPE_NAMES: Record<number, string> = { 0: 'RTSP', 1: 'RTP/UDP', 2: 'MPEG on TCP', 3: 'MPEG-TS over UDP', 4: 'WHEP' };
const ENCODING_NAMES: Record<number, string> = { 0: 'encoding unknown', 1: 'H.264', 2: 'H.265' };

export function isCameraComponent(compid: number, mavType: number): boolean {
  return mavType === minimal.MavType.CAMERA || (compid >= CAMERA_COMPIDS.first && compid <= CAMERA_COMPIDS.last);
}

/** The message as plain values; undefined for anything that is not a VIDEO_STREAM_INFORMATION. */
export function streamInfoOf(m: MavLinkData | undefined): StreamInfo | undefined {
  if (!(m instanceof common.VideoStreamInformation)) return undefined;
  const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : -1);
  const s = (v: unknown): string => (typeof v === 'string' ? v : '');
  return { streamId: n(m.streamId), count: n(m.count), type: n(m.type), flags: n(m.flags), encoding: n(m.encoding), name: s(m.name), uri: s(m.uri) };
}

/** One line about a stream for the log: `stream 1 "Main" RTP/UDP H.264 uri "udp://0.0.0.0:5600"` (credentials hidden). */
export function describeStream(s: StreamInfo): string {
  const name = printable(s.name);
  return `stream ${s.streamId}${name ? ` "${name}"` : ''} ${TYPE_NAMES[s.type] ?? `type ${s.type}`} ${ENCODING_NAMES[s.encoding] ?? `encoding ${s.encoding}`} uri "${hideCredentials(printable(s.uri))}"`;
}

/** rtsp://user:pass@host/… → rtsp://***@host/… for the log. */
export function hideCredentials(uri: string): string {
  return uri.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/?#]*@/i, '$1***@');
}

/** Control characters and undecodable bytes (U+FFFD) shown as "?" so a log line stays one readable line. */
function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f\ufffd]/g, '?').slice(0, 160);
}

function loopback(host: string): boolean {
  return host === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '[::1]';
}

function multicast(host: string): boolean {
  const m = /^(\d{1,3})\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.exec(host);
  return (m !== null && Number(m[1]) >= 224 && Number(m[1]) <= 239) || /^\[ff/i.test(host);
}

/** The URL the hub opens for one announced stream (see the header for the rules). */
export function streamUrl(s: StreamInfo): StreamUrl {
  const uri = s.uri.trim();
  if (uri === '') return { ok: false, reason: 'empty URI' };
  if (/[\u0000-\u001f\u007f\ufffd\s]/.test(uri)) return { ok: false, reason: 'the URI is not a URI (control characters, spaces or undecodable bytes)' };
  switch (s.type) {
    case T.RTSP: {
      if (/^rtsps:/i.test(uri)) return { ok: false, reason: 'RTSP over TLS (rtsps://) is not supported' };
      let u: URL;
      try {
        u = new URL(uri);
      } catch {
        return { ok: false, reason: 'an RTSP stream whose URI does not parse' };
      }
      // rtspu:// and rtspt:// (RFC 2326 transport hints) go to the hub as they are; it says if it cannot open them.
      if (!['rtsp:', 'rtspu:', 'rtspt:'].includes(u.protocol) || u.hostname === '') return { ok: false, reason: 'an RTSP stream whose URI is not rtsp://HOST…' };
      if (u.port !== '' && !(Number(u.port) >= 1 && Number(u.port) <= 65535)) return { ok: false, reason: `port ${u.port} out of range` };
      return { ok: true, url: uri };
    }
    case T.RTPUDP: {
      let host = '';
      let portText: string;
      if (/^\d+$/.test(uri)) portText = uri;
      else {
        const m = /^(?:udp|udp265|rtp):\/\/(\[[0-9a-fA-F:.]*\]|[^:/?#@[\]]*)(?::(\d+))?\/?$/i.exec(uri);
        if (!m) return { ok: false, reason: 'an RTP/UDP stream whose URI is neither a port nor udp://HOST:PORT' };
        host = m[1]!.toLowerCase();
        if (m[2] === undefined) return { ok: false, reason: 'an RTP/UDP stream without a port' };
        portText = m[2];
      }
      const port = Number(portText);
      // RTCP goes on port + 1 (udp-source.ts), so the RTP port must leave room for it.
      if (!(Number.isInteger(port) && port >= 1 && port <= 65534)) return { ok: false, reason: `UDP port ${portText} out of range (1–65534; RTCP takes port + 1)` };
      if (multicast(host)) return { ok: false, reason: `multicast group ${host} (the station does not join multicast groups)` };
      if (host === '' || host === '0.0.0.0') return { ok: true, url: `rtp://0.0.0.0:${port}` };
      if (loopback(host)) return { ok: true, url: `rtp://127.0.0.1:${port}` };
      return { ok: true, url: `rtp://0.0.0.0:${port}`, note: `the drone sends to ${host}: listening on every interface` };
    }
    case T.TCP_MPEG:
      return { ok: false, reason: 'MPEG on TCP is not supported (the station takes RTP/UDP or RTSP)' };
    case T.MPEG_TS:
      return { ok: false, reason: 'MPEG-TS over UDP is not supported (the station takes RTP/UDP or RTSP)' };
    case 4: // VIDEO_STREAM_TYPE_WHEP (newer than the mappings' enum)
      return { ok: false, reason: 'WHEP (WebRTC) is not supported (the station takes RTP/UDP or RTSP)' };
    default:
      return { ok: false, reason: `unknown stream type ${s.type}` };
  }
}

export interface StreamChoice {
  chosen: { info: StreamInfo; url: string; note?: string } | undefined;
  /** Streams that cannot be opened, with why. */
  rejected: { info: StreamInfo; reason: string }[];
}

function encodingRank(e: number): number {
  return e === E.H264 ? 0 : e === E.UNKNOWN ? 1 : e === E.H265 ? 2 : 3;
}

/** The stream to show among those a component announced (see the header for the order). */
export function pickStream(infos: readonly StreamInfo[]): StreamChoice {
  const rejected: StreamChoice['rejected'] = [];
  const usable: { info: StreamInfo; url: string; note?: string }[] = [];
  for (const info of infos) {
    const u = streamUrl(info);
    if (u.ok) usable.push({ info, url: u.url, ...(u.note ? { note: u.note } : {}) });
    else rejected.push({ info, reason: u.reason });
  }
  const flag = (i: StreamInfo, f: number): boolean => i.flags >= 0 && (i.flags & f) !== 0;
  usable.sort(
    (a, b) =>
      Number(flag(b.info, F.RUNNING)) - Number(flag(a.info, F.RUNNING)) ||
      Number(flag(a.info, F.THERMAL)) - Number(flag(b.info, F.THERMAL)) ||
      encodingRank(a.info.encoding) - encodingRank(b.info.encoding) ||
      a.info.streamId - b.info.streamId,
  );
  return { chosen: usable[0], rejected };
}
