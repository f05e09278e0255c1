/**
 * One drone's stream in the video hub (station/video/hub.ts): its depacketizer, source, recording and counters,
 * and the view of it a console shows (state, rate, losses).
 */
import type { VideoStreamView } from '../../common/api/contract.js';
import { H264Depacketizer } from './h264.js';
import type { VideoRecording } from './recording.js';
import type { SenderReport } from './rtp.js';
import { redactUrl } from './rtsp.js';
import type { VideoSource } from './udp-source.js';

/** What the drone is doing, for naming its recordings: one file per sortie (armed → disarmed), and one for the
 * time on the ground between sorties. `label` is the patrol's sortie id when the patrol runner flies it. */
export interface SortieMark {
  airborne: boolean;
  label: string | null;
}

export class Stream {
  dep = new H264Depacketizer();
  /** The sortie the drone is in now; the recording switches to a new file at the first keyframe after it changes. */
  sortie: SortieMark = { airborne: false, label: null };
  /** The sortie the open recording belongs to. */
  recordingSortie: SortieMark | undefined;
  source: VideoSource | undefined;
  recording: VideoRecording | undefined;
  sr: SenderReport | undefined;
  lastFrameMs = 0;
  frames = 0;
  seq = 0;
  ssrc = 0;
  bytesWindow: { atMs: number; bytes: number }[] = [];
  frameTimes: number[] = [];
  error = '';
  lastKeyReqMs = 0;
  /** The camera's sub-stream for previews (not recorded), when the fleet file gives one. */
  sub: Stream | undefined;
  /** The last keyframe (Annex B, SPS/PPS first) and when it arrived: an alert's picture. */
  lastKey: { data: Uint8Array; atMs: number } | undefined;
  constructor(
    readonly drone: string,
    readonly url: string,
    readonly origin: 'config' | 'discovered',
    readonly variant: 'main' | 'sub' = 'main',
  ) {}
}

/** The console's view of a stream at `nowMs`; its byte window is trimmed to the last 2 s on the way. */
export function streamView(st: Stream, nowMs: number, staleMs: number, subLive: boolean): VideoStreamView {
  st.bytesWindow = st.bytesWindow.filter((w) => nowMs - w.atMs < 2000);
  const bytes = st.bytesWindow.reduce((a, w) => a + w.bytes, 0);
  const codec = st.dep.codec;
  const state: VideoStreamView['state'] =
    codec === 'h265' ? 'unsupported' : st.error ? 'error' : st.lastFrameMs === 0 ? 'waiting' : nowMs - st.lastFrameMs > staleMs ? 'stale' : 'live';
  return {
    drone: st.drone,
    url: redactUrl(st.url),
    codec,
    state,
    fps: Math.round(st.frameTimes.filter((t) => nowMs - t < 2000).length / 2),
    kbps: Math.round((bytes * 8) / 2000),
    lostPackets: st.dep.stats.lostPackets,
    damagedFrames: st.dep.stats.damagedUnits,
    recording: st.recording?.file ?? null,
    reason: codec === 'h265' ? 'H.265: not decodable in Chromium without hardware' : st.error,
    ...(st.sub ? { sub: { url: redactUrl(st.sub.url), live: subLive } } : {}),
  };
}
