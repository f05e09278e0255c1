/**
 * A video recording on a disk that fills (a real 1 MiB tmpfs, root only): it never throws; the .ts file holds
 * whole frames only (its size is the sum of its index's frame sizes, every index line parses); the failure
 * is told to StorageHealth with ENOSPC; when space returns it resumes at the next keyframe and says how many
 * frames (bytes, seconds) were lost.
 */
import { readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock.js';
import { StorageHealth, type StorageNotice } from '../storage/health.js';
import { mountTmpfs } from '../testdata/mounts.js';
import type { AccessUnit } from './h264.js';
import { VideoRecording, type IndexLine } from './recording.js';

const tmpfs = mountTmpfs(1024 * 1024);
afterAll(() => {
  if ('dir' in tmpfs) tmpfs.unmount();
});

const frame = (i: number): AccessUnit => ({
  data: new Uint8Array([0, 0, 0, 1, i % 30 === 0 ? 0x65 : 0x41, ...new Array(3000).fill(i & 0xff)]),
  ts90k: i * 3000,
  rtpTs: i * 3000,
  keyframe: i % 30 === 0,
  damaged: false,
  config: null,
});

describe('video recording on a full disk', () => {
  it.runIf('dir' in tmpfs)('keeps whole frames, says ENOSPC, resumes at a keyframe when space returns, counts what was lost', () => {
    if (!('dir' in tmpfs)) return;
    const clock = new FakeClock(0);
    const health = new StorageHealth({ clock, dataDir: tmpfs.dir, freeBytes: () => null });
    const notices: StorageNotice[] = [];
    health.onNotice((n) => notices.push(n));
    // Leave ~200 KB: about 60 frames of 3 KB.
    writeFileSync(join(tmpfs.dir, 'filler'), Buffer.alloc(1024 * 1024 - 200 * 1024));
    const rec = new VideoRecording(join(tmpfs.dir, 'video'), 'JH-01', 0, 'ground', health);
    let n = 0;
    for (; n < 120; n++) expect(() => rec.write(frame(n), n * 33, null)).not.toThrow();
    expect(notices).toEqual([expect.objectContaining({ kind: 'storage-failed', store: 'video', code: 'ENOSPC' })]);
    const written = rec.frames;
    expect(written).toBeGreaterThan(10);
    expect(written).toBeLessThan(120);
    unlinkSync(join(tmpfs.dir, 'filler'));
    // Space is back: frames up to the next keyframe are still lost, then recording resumes.
    for (; n < 200; n++) rec.write(frame(n), n * 33, null);
    rec.close();
    expect(notices.map((x) => x.kind)).toEqual(['storage-failed', 'storage-recovered']);
    const back = notices[1] as Extract<StorageNotice, { kind: 'storage-recovered' }>;
    const resumedAt = 120 + ((30 - (120 % 30)) % 30);
    expect(rec.frames).toBe(written + (200 - resumedAt));
    expect(back.lost.records).toBe(resumedAt - written);
    const lines = readFileSync(rec.indexFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as IndexLine);
    expect(lines).toHaveLength(rec.frames);
    expect(statSync(rec.file).size).toBe(lines.reduce((t, l) => t + l.size, 0));
    expect(lines.every((l, i) => i === 0 || l.offset === lines[i - 1]!.offset + lines[i - 1]!.size)).toBe(true);
    console.log(`video: ${written} frames written before ENOSPC, lost ${back.lost.records} frames (${back.lost.bytes} bytes, ${back.lost.seconds.toFixed(2)} s) until the keyframe after space returned`);
    health.close();
  });
});
