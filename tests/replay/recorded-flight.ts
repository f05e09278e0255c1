/**
 * Test helper: a flight recorded with video, as the station records one. A real stream (ffmpeg libx264 test
 * pattern → RTP → the station's VideoHub) is recorded into DATA/video (.ts + .idx.jsonl), and a tlog of the
 * drone (synthetic-tlog.ts) says it was armed over the whole recording, from a second before its first frame to
 * a second after its last. Used by the replay tests over /ws/replay and over the desktop app's replay port.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SystemClock } from '../../common/clock.js';
import { VideoHub } from '../../station/video/hub.js';
import type { IndexLine } from '../../station/video/recording.js';
import { ffmpegRtp, freeUdpPortPair } from '../video/ffmpeg.js';
import { syntheticTlog } from './synthetic-tlog.js';

export interface RecordedFlight {
  /** The recording's file name in DATA/video, and its index lines. */
  tsName: string;
  index: IndexLine[];
  /** The tlog's file name in DATA/tlogs (its flight's id is this without `.tlog`, then `~1`). */
  tlog: string;
  /** Armed and disarmed, Unix ms. */
  span: { startMs: number; endMs: number };
}

/** Records `drone`'s video for 4 s (a keyframe every 10 frames at 30 fps) into `dataDir`, and its flight's tlog. */
export async function recordFlight(dataDir: string, o: { drone?: string; sysid?: number; tlog?: string } = {}): Promise<RecordedFlight> {
  const drone = o.drone ?? 'JH-01';
  const sysid = o.sysid ?? 11;
  const port = await freeUdpPortPair();
  const started = await VideoHub.start({ clock: new SystemClock(), dataDir, sources: [{ drone, url: `rtp://127.0.0.1:${port}` }] });
  if (!started.ok) throw new Error(started.reason);
  const hub = started.value;
  // Headers in band: the hub's keyframe requests go to no one.
  const ff = ffmpegRtp(port, { size: '320x240', rate: 30, seconds: 4, gop: 10, extra: ['-x264-params', 'repeat-headers=1'] });
  await new Promise<void>((r) => (ff.exitCode !== null ? r() : ff.once('exit', () => r())));
  await new Promise((r) => setTimeout(r, 200));
  await hub.close();
  const vdir = join(dataDir, 'video');
  const names = readdirSync(vdir).filter((f) => f.endsWith('.ts'));
  if (names.length !== 1) throw new Error(`expected one recording in ${vdir}, found ${names.length}`);
  const tsName = names[0]!;
  const index = readFileSync(join(vdir, tsName.replace(/\.ts$/, '.idx.jsonl')), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as IndexLine);
  if (index.length < 60 || !index[0]!.key) throw new Error(`the recording holds ${index.length} frames, from ${index[0]?.key ? 'a keyframe' : 'no keyframe'}`);
  const a0 = index[0]!.arrivalMs;
  const a1 = index.at(-1)!.arrivalMs;
  mkdirSync(join(dataDir, 'tlogs'), { recursive: true });
  const tlog = o.tlog ?? `2026-11-24T08-00-00Z_sys${sysid}_whole.tlog`;
  const whole = syntheticTlog(sysid, a0 - 3000, a1 + 3000, [{ armMs: a0 - 1000, disarmMs: a1 + 1000 }]);
  writeFileSync(join(dataDir, 'tlogs', tlog), whole.bytes);
  return { tsName, index, tlog, span: whole.spans[0]! };
}
