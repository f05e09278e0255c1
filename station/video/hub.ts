/**
 * The station's video: one stream per drone with a video URL. Each stream is socket → depacketizer →
 * (recording, consoles). A console attaches as a peer naming the drones it shows; frames go to it as binary
 * messages, and when its socket backs up (a slow viewer) it skips to the next keyframe instead of queueing —
 * the station's latency guard, matching the one in the renderer's decoder worker.
 *
 * The wall (issue 18): a console names, per drone, whether it shows the full-rate stream (`full`, the tile in
 * focus) or a preview (`preview`, every other tile). A preview gets the camera's sub-stream when the fleet file
 * gives one (`video_sub`) and it is live, else the main stream's keyframes only — the tile refreshes at the
 * keyframe rate and its decoder gets only what it paints, so a wall of N drones costs about one full-rate decode.
 * A peer moving a drone from preview to full waits for the next keyframe (a keyframe is asked for at once).
 */
import { join } from 'node:path';
import type { Clock, TimerId } from '../../common/clock.js';
import { err, ok, type Result } from '../../common/result.js';
import type { VideoStatusMessage, VideoStreamView } from '../../common/api/contract.js';
import { H264Depacketizer, type AccessUnit } from './h264.js';
import { VideoRecording } from './recording.js';
import type { StorageHealth } from '../storage/health.js';
import { parseRtp } from './rtp.js';
import { openRtspSource } from './rtsp.js';
import { openUdpSource, parseVideoUrl, type PacketSink } from './udp-source.js';
import { encodeFrame } from '../../common/video-wire.js';
import { Stream, streamView, type SortieMark } from './stream.js';

export type { SortieMark } from './stream.js';

export interface VideoPeer {
  sendBinary(b: Uint8Array): void;
  sendText(t: string): void;
  /** Bytes queued for this peer (WebSocket bufferedAmount); absent = never backs up. */
  buffered?(): number;
}

export interface VideoHubOptions {
  dataDir: string;
  /** drone id → URL, and the camera's sub-stream (a lower-resolution second stream) for previews when it has one. */
  sources: { drone: string; url: string; subUrl?: string }[];
  /** Stream ages, keyframe times and the once-a-second status to consoles. */
  clock: Clock;
  log?: (line: string) => void;
  /** No frame for this long → stale (ms). */
  staleMs?: number;
  /** Every RTP packet of a drone's main stream as it arrives, unchanged (the Janus forwarder, station/video/janus.ts). */
  forward?: (drone: string, packet: Uint8Array) => void;
  /** The drone's sortie now, asked when a stream opens (later changes come through `markSortie`). */
  sortieOf?: (drone: string) => SortieMark;
  /** Where recording failures are reported (station/storage/health.ts). */
  health?: StorageHealth;
}

const MAX_PEER_BUFFER = 1_000_000;
const RECORDING_GAP_MS = 5000;

/** What a console shows of one drone: the full-rate stream (the tile in focus) or a preview (every other tile). */
export type VideoMode = 'full' | 'preview';

interface PeerSub {
  drones: Set<string> | null;
  /** Drones (or `sub:<drone>`) this peer waits on for a keyframe. */
  skipping: Set<string>;
  /** Drones this peer shows as a preview. */
  preview: Set<string>;
}

export class VideoHub {
  private streams = new Map<string, Stream>();
  private peers = new Map<VideoPeer, PeerSub>();
  private timer: TimerId | undefined;
  private readonly now: () => number;

  private constructor(private readonly o: VideoHubOptions) {
    this.now = () => o.clock.now();
  }

  /** Opens every configured source; the hub runs with none too, for sources discovered later (`addSource`). */
  static async start(o: VideoHubOptions): Promise<Result<VideoHub>> {
    const hub = new VideoHub(o);
    for (const s of o.sources) {
      const r = await hub.open(s.drone, s.url, 'config');
      const sub = r.ok && s.subUrl ? await hub.openSub(s.drone, s.subUrl) : r;
      if (!sub.ok) {
        await hub.close();
        return sub;
      }
    }
    hub.timer = o.clock.setInterval(() => hub.broadcastStatus(), 1000);
    return ok(hub);
  }

  /**
   * A source found at run time (the drone's VIDEO_STREAM_INFORMATION). A configured source always wins: the
   * operator's URL is the one that works from the station's network, the drone's may be its own LAN address.
   * A discovered URL that changes replaces the previous discovered one.
   */
  async addSource(drone: string, url: string): Promise<Result<'added' | 'unchanged' | 'configured'>> {
    const cur = this.streams.get(drone);
    if (cur?.origin === 'config') return ok('configured');
    if (cur?.url === url) return ok('unchanged');
    if (cur) await this.removeStream(cur);
    const r = await this.open(drone, url, 'discovered');
    if (!r.ok) {
      this.streams.delete(drone);
      return r;
    }
    return ok('added');
  }

  /** Drones with a video source now. */
  drones(): string[] {
    return [...this.streams.keys()];
  }

  /**
   * The drone armed (a sortie began) or disarmed: its recording moves to a new file at the next keyframe, so
   * every file starts decodable and no frame is lost at the switch. A keyframe is asked for at once.
   */
  markSortie(drone: string, mark: SortieMark): void {
    const st = this.streams.get(drone);
    if (!st) return;
    st.sortie = { ...mark };
    if (st.recording) this.requestKeyframe(st, this.now(), true);
  }

  private async removeStream(st: Stream): Promise<void> {
    this.streams.delete(st.drone);
    await st.source?.close();
    await st.sub?.source?.close();
    this.endRecording(st);
  }

  /** The drone's sub-stream: depacketized like the main stream, never recorded, sent to previews only. */
  private async openSub(drone: string, url: string): Promise<Result<void>> {
    const main = this.streams.get(drone);
    const u = parseVideoUrl(url);
    if (!u.ok) return err(u.code, `video_sub of ${drone}: ${u.reason}`);
    if (!main) return err('missing', `video_sub of ${drone}: the drone has no main stream`);
    const st = new Stream(drone, url, main.origin, 'sub');
    const sink: PacketSink = { rtp: (b) => this.onPacket(st, b), rtcp: (sr) => (st.sr = sr) };
    const src = u.value.scheme === 'rtp' ? await openUdpSource(u.value.host, u.value.port, sink) : openRtspSource(url, sink, { onParams: (nals, codec) => st.dep.setParameterSets(nals, codec), onError: (reason) => (st.error = reason), log: this.o.log });
    if (!src.ok) return src;
    st.source = src.value;
    main.sub = st;
    this.o.log?.(`kongxun: video sub-stream for ${drone} from ${src.value.describe()} (previews on the wall)`);
    return ok(undefined);
  }

  private async open(drone: string, url: string, origin: 'config' | 'discovered'): Promise<Result<void>> {
    const u = parseVideoUrl(url);
    if (!u.ok) return u;
    if (this.streams.has(drone)) return err('duplicate', `video: ${drone} has two video sources`);
    const st = new Stream(drone, url, origin);
    st.sortie = this.o.sortieOf?.(drone) ?? st.sortie;
    this.streams.set(drone, st);
    const sink: PacketSink = {
      rtp: (b) => this.onPacket(st, b),
      rtcp: (sr) => {
        st.sr = sr;
      },
    };
    const src = u.value.scheme === 'rtp' ? await openUdpSource(u.value.host, u.value.port, sink) : openRtspSource(url, sink, { onParams: (nals, codec) => st.dep.setParameterSets(nals, codec), onError: (reason) => (st.error = reason), log: this.o.log });
    if (!src.ok) {
      this.streams.delete(drone);
      return src;
    }
    st.source = src.value;
    this.o.log?.(`kongxun: video for ${drone} from ${src.value.describe()}, recording to ${join(this.o.dataDir, 'video')}`);
    return ok(undefined);
  }

  private onPacket(st: Stream, b: Uint8Array): void {
    const p = parseRtp(b);
    if (!p) return;
    if (st.variant === 'main') this.o.forward?.(st.drone, b);
    if (st.ssrc !== 0 && p.ssrc !== st.ssrc) {
      // A new sender session (the camera restarted): fresh sequence and timestamps, and a new recording file.
      const codec = st.dep.codec;
      st.dep = new H264Depacketizer();
      if (codec === 'h265') st.dep.codec = codec;
      this.endRecording(st);
    }
    st.ssrc = p.ssrc;
    const wasWaiting = st.dep.waitingForKeyframe;
    const units = st.dep.push(p);
    const nowMs = this.now();
    st.bytesWindow.push({ atMs: nowMs, bytes: b.length });
    if (!wasWaiting && st.dep.waitingForKeyframe) this.requestKeyframe(st, nowMs);
    for (const au of units) this.onUnit(st, au, nowMs);
  }

  private requestKeyframe(st: Stream, nowMs: number, force = false): void {
    if (!force && nowMs - st.lastKeyReqMs < 500) return;
    st.lastKeyReqMs = nowMs;
    st.source?.requestKeyframe(st.ssrc);
  }

  private endRecording(st: Stream): void {
    st.recording?.close();
    st.recording = undefined;
    st.recordingSortie = undefined;
  }

  private onUnit(st: Stream, au: AccessUnit, nowMs: number): void {
    if (st.variant === 'sub') {
      st.lastFrameMs = nowMs;
      st.frames++;
      if (au.damaged) this.requestKeyframe(st, nowMs);
      if (st.dep.codec === 'h264') this.deliver(st, au, nowMs);
      return;
    }
    // A stream back after a silence of more than RECORDING_GAP_MS is a new connection: a new file.
    if (st.recording && nowMs - st.lastFrameMs > RECORDING_GAP_MS) this.endRecording(st);
    st.lastFrameMs = nowMs;
    st.frames++;
    st.frameTimes.push(nowMs);
    if (st.frameTimes.length > 240) st.frameTimes.shift();
    if (au.damaged) this.requestKeyframe(st, nowMs);
    if (st.dep.codec !== 'h264') return;
    if (au.keyframe && !au.damaged) st.lastKey = { data: au.config ? concat(au.config, au.data) : au.data, atMs: nowMs };
    const captureMs = st.sr ? st.sr.ntpMs + ((au.rtpTs - st.sr.rtpTs) | 0) / 90 : null;
    // One file per sortie: the switch waits for a keyframe so both files decode from their first frame.
    const r = st.recordingSortie;
    if (st.recording && au.keyframe && r && (r.airborne !== st.sortie.airborne || r.label !== st.sortie.label)) this.endRecording(st);
    if (!st.recording && au.keyframe) {
      st.recording = new VideoRecording(join(this.o.dataDir, 'video'), st.drone, nowMs, st.sortie.airborne ? (st.sortie.label ?? 'sortie') : 'ground', this.o.health);
      st.recordingSortie = { ...st.sortie };
    }
    try {
      st.recording?.write(au, nowMs, captureMs);
    } catch (e) {
      st.error = `recording: ${String(e)}`;
    }
    this.deliver(st, au, nowMs);
  }

  /** The sub-stream is what previews show while it is live; else they show the main stream's keyframes. */
  private subLive(main: Stream, nowMs: number): boolean {
    const sub = main.sub;
    return sub !== undefined && sub.lastFrameMs > 0 && nowMs - sub.lastFrameMs <= (this.o.staleMs ?? 1000) && sub.dep.codec === 'h264';
  }

  /** Sends one access unit to the peers that show it: full-rate peers, and previews (sub-stream or keyframes). */
  private deliver(st: Stream, au: AccessUnit, nowMs: number): void {
    const main = st.variant === 'sub' ? this.streams.get(st.drone) : st;
    if (!main) return;
    const useSub = this.subLive(main, nowMs);
    const encoded = new Map<string, Uint8Array>();
    for (const [peer, sub] of this.peers) {
      if (sub.drones && !sub.drones.has(st.drone)) continue;
      const preview = sub.preview.has(st.drone);
      let kind: 'full' | 'sub' | 'key';
      if (st.variant === 'sub') {
        if (!preview || !useSub) continue;
        kind = 'sub';
      } else if (!preview) kind = 'full';
      else if (useSub) continue;
      else if (!au.keyframe) continue;
      else kind = 'key';
      const skipKey = kind === 'sub' ? `sub:${st.drone}` : st.drone;
      // Latency guard: a peer whose socket backs up skips to the next keyframe.
      if ((peer.buffered?.() ?? 0) > MAX_PEER_BUFFER) {
        sub.skipping.add(skipKey);
        continue;
      }
      if (sub.skipping.has(skipKey)) {
        if (!au.keyframe) continue;
        sub.skipping.delete(skipKey);
      }
      let frame = encoded.get(kind);
      if (!frame) {
        frame = encodeFrame({ drone: st.drone, codec: 'h264', keyframe: au.keyframe, damaged: au.damaged, timestampUs: Math.round((au.ts90k * 1000) / 90), arrivalMs: nowMs, seq: st.seq, config: au.config, data: au.data, ...(kind === 'full' ? {} : { preview: kind }) });
        encoded.set(kind, frame);
      }
      peer.sendBinary(frame);
    }
    st.seq++;
  }

  /**
   * A console switches one drone between the full-rate stream and a preview. To full: it waits for the next
   * keyframe (its decoder holds only keyframes), and one is asked for now. To preview: the sub-stream starts at
   * its next keyframe.
   */
  setMode(peer: VideoPeer, drone: string, mode: VideoMode): void {
    const sub = this.peers.get(peer);
    if (!sub || sub.preview.has(drone) === (mode === 'preview')) return;
    const st = this.streams.get(drone);
    if (mode === 'preview') {
      sub.preview.add(drone);
      sub.skipping.add(`sub:${drone}`);
      if (st?.sub) this.requestKeyframe(st.sub, this.now());
    } else {
      sub.preview.delete(drone);
      sub.skipping.add(drone);
      if (st) this.requestKeyframe(st, this.now(), true);
    }
  }

  status(): VideoStreamView[] {
    const nowMs = this.now();
    return [...this.streams.values()].map((st) => streamView(st, nowMs, this.o.staleMs ?? 1000, this.subLive(st, nowMs)));
  }

  private broadcastStatus(): void {
    if (this.peers.size === 0) return;
    const text = JSON.stringify({ type: 'video-status', streams: this.status() } satisfies VideoStatusMessage);
    for (const p of this.peers.keys()) p.sendText(text);
  }

  /** A console showing `drones` (all when null), those in `preview` as previews; returns the detach. */
  attach(peer: VideoPeer, drones: string[] | null, preview: string[] = []): () => void {
    const all = [...(drones ?? this.streams.keys())];
    this.peers.set(peer, { drones: drones ? new Set(drones) : null, skipping: new Set([...all, ...all.map((d) => `sub:${d}`)]), preview: new Set(preview) });
    // A new viewer starts at a keyframe: ask for one now rather than wait for the next in the GOP.
    for (const st of this.streams.values()) {
      if (drones && !drones.includes(st.drone)) continue;
      this.requestKeyframe(st, this.now());
      if (st.sub) this.requestKeyframe(st.sub, this.now());
    }
    peer.sendText(JSON.stringify({ type: 'video-status', streams: this.status() } satisfies VideoStatusMessage));
    return () => this.peers.delete(peer);
  }

  /** The drone's last undamaged keyframe (Annex B with SPS/PPS) and its arrival, for alert snapshots. */
  lastKeyframe(drone: string): { data: Uint8Array; atMs: number } | undefined {
    return this.streams.get(drone)?.lastKey;
  }

  /** Per-stream counters for tests and benchmarks. */
  stats(drone: string): { packets: number; lost: number; units: number; damaged: number; recording: string | null } | undefined {
    const st = this.streams.get(drone);
    return st && { packets: st.dep.stats.packets, lost: st.dep.stats.lostPackets, units: st.dep.stats.units, damaged: st.dep.stats.damagedUnits, recording: st.recording?.file ?? null };
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) this.o.clock.clearInterval(this.timer);
    this.timer = undefined;
    for (const st of this.streams.values()) {
      await st.source?.close();
      await st.sub?.source?.close();
      st.recording?.close();
    }
    this.streams.clear();
    this.peers.clear();
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
