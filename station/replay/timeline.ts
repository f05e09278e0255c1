/**
 * One flight's video as a timeline: the frames of its recordings (DATA/video/*.ts and their .idx.jsonl, in time
 * order) whose arrival falls in the flight, from the last keyframe at or before its arming; `timestampUs` runs
 * on through the recordings (each file's PTS from its first frame's arrival). Read by the replay session
 * (station/replay/video.ts).
 */
import { basename, join } from 'node:path';
import { indexFileOf, readIndex } from './video-index.js';

export interface TimelineFrame {
  /** Index into Timeline.files. */
  file: number;
  offset: number;
  size: number;
  arrivalMs: number;
  key: boolean;
  damaged: boolean;
  timestampUs: number;
}

export interface Timeline {
  /** Paths of the .ts files. */
  files: string[];
  frames: TimelineFrame[];
}

/**
 * The frames of `names` (recordings in `videoDir`, in time order) that arrived in [startMs, endMs], starting at
 * the last keyframe at or before startMs (or the first keyframe after it).
 */
export async function loadTimeline(videoDir: string, names: string[], startMs: number, endMs: number): Promise<Timeline> {
  const files: string[] = [];
  const frames: TimelineFrame[] = [];
  let pre: TimelineFrame[] = [];
  let ptsOf: number[] = [];
  const pts: number[] = [];
  for (const name of names) {
    const safe = basename(name);
    const fi = files.length;
    files.push(join(videoDir, safe));
    for await (const l of readIndex(join(videoDir, indexFileOf(safe)))) {
      if (l.arrivalMs > endMs) break;
      const fr: TimelineFrame = { file: fi, offset: l.offset, size: l.size, arrivalMs: l.arrivalMs, key: l.key, damaged: l.damaged, timestampUs: 0 };
      if (l.arrivalMs < startMs) {
        if (l.key) {
          pre = [fr];
          ptsOf = [l.pts];
        } else if (pre.length > 0) {
          pre.push(fr);
          ptsOf.push(l.pts);
        }
        continue;
      }
      if (pre.length > 0) {
        frames.push(...pre);
        pts.push(...ptsOf);
        pre = [];
        ptsOf = [];
      }
      frames.push(fr);
      pts.push(l.pts);
    }
  }
  // Nothing decodes before the first keyframe.
  const first = frames.findIndex((f) => f.key);
  const kept = first < 0 ? [] : frames.slice(first);
  const keptPts = first < 0 ? [] : pts.slice(first);
  // Timestamps: each file's PTS (90 kHz) from the arrival of its first frame here, always increasing.
  const origin = kept[0]?.arrivalMs ?? 0;
  let fileNow = -1;
  let baseUs = 0;
  let pts0 = 0;
  let prevUs = -1;
  for (const [k, f] of kept.entries()) {
    if (f.file !== fileNow) {
      fileNow = f.file;
      baseUs = Math.round((f.arrivalMs - origin) * 1000);
      pts0 = keptPts[k]!;
    }
    const us = baseUs + Math.round(((keptPts[k]! - pts0) * 1000) / 90);
    f.timestampUs = Math.max(us, prevUs + 1);
    prevUs = f.timestampUs;
  }
  return { files, frames: kept };
}
