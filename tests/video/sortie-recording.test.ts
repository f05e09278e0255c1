/**
 * One recording per drone per sortie. The hub switches files at the first keyframe after a sortie begins
 * (arming) or ends (disarming): every file decodes from its first frame and no frame is lost at the switch
 * (the last frame of one file and the first of the next are consecutive in RTP time). Under the patrol runner
 * a file carries the sortie's id; between sorties the camera's picture goes to a "ground" file.
 * Real source: ffmpeg/libx264 over RTP; the service test arms the built-in simulator through the station.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startStationService, type StationService } from '../../station/service.js';
import { VideoHub } from '../../station/video/hub.js';
import { SystemClock } from '../../common/clock.js';
import type { IndexLine } from '../../station/video/recording.js';
import { ffmpegRtp, ffprobeFrames, freeUdpPortPair } from './ffmpeg.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(f: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await wait(50)) if (f()) return true;
  return f();
}
const exited = (p: ReturnType<typeof ffmpegRtp>) => new Promise<void>((r) => (p.exitCode !== null ? r() : p.once('exit', () => r())));

function recordings(dir: string): { ts: string; index: IndexLine[] }[] {
  const vdir = join(dir, 'video');
  return readdirSync(vdir)
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .map((f) => ({
      ts: join(vdir, f),
      index: readFileSync(join(vdir, f.replace(/\.ts$/, '.idx.jsonl')), 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as IndexLine),
    }));
}

/** Files in time order, each a whole decodable recording, consecutive with no lost frame between them. */
function expectSeamless(files: { ts: string; index: IndexLine[] }[]): void {
  const ordered = [...files].sort((a, b) => a.index[0]!.arrivalMs - b.index[0]!.arrivalMs);
  for (const [k, f] of ordered.entries()) {
    expect(f.index.length, f.ts).toBeGreaterThan(0);
    expect(f.index[0]!.key, `${f.ts} starts at a keyframe`).toBe(true);
    expect(ffprobeFrames(f.ts), f.ts).toBe(f.index.length);
    const next = ordered[k + 1];
    if (next) expect((next.index[0]!.rtpTs - f.index.at(-1)!.rtpTs) >>> 0, `${f.ts} → ${next.ts}`).toBe(3000); // 30 fps in 90 kHz
  }
}

let service: StationService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

describe('video recordings per sortie', () => {
  it('the hub splits at the keyframe after each sortie mark, names the files, loses no frame', async () => {
    const port = await freeUdpPortPair();
    const dataDir = mkdtempSync(join(tmpdir(), 'kx-video-sortie-'));
    const started = await VideoHub.start({ clock: new SystemClock(), dataDir, sources: [{ drone: 'JH-01', url: `rtp://127.0.0.1:${port}` }] });
    expect(started.ok).toBe(true);
    if (!started.ok) return;
    const hub = started.value;
    // A keyframe every 10 frames, headers in band: the hub's keyframe requests are not honoured by an RTP sender.
    const ff = ffmpegRtp(port, { size: '320x240', seconds: 4, gop: 10, extra: ['-x264-params', 'repeat-headers=1'] });
    try {
      expect(await until(() => (hub.stats('JH-01')?.units ?? 0) > 20, 15_000)).toBe(true);
      hub.markSortie('JH-01', { airborne: true, label: 'S-0600-JH-01' });
      const before = hub.stats('JH-01')!.units;
      expect(await until(() => hub.stats('JH-01')!.units > before + 30, 15_000)).toBe(true);
      hub.markSortie('JH-01', { airborne: false, label: null });
      await exited(ff);
      await wait(200);
    } finally {
      ff.kill('SIGKILL');
      await hub.close();
    }
    const files = recordings(dataDir);
    expect(files.map((f) => f.ts.replace(/.*JH-01-\d{8}-\d{6}-?/, ''))).toEqual(expect.arrayContaining(['ground.ts', 'S-0600-JH-01.ts']));
    const order = [...files].sort((a, b) => a.index[0]!.arrivalMs - b.index[0]!.arrivalMs).map((f) => /-(ground|S-0600-JH-01)(-\d+)?\.ts$/.exec(f.ts)?.[1]);
    expect(order).toEqual(['ground', 'S-0600-JH-01', 'ground']);
    expectSeamless(files);
  }, 40_000);

  it('the station marks sorties from the drone arming and disarming', async () => {
    const port = await freeUdpPortPair();
    const dataDir = mkdtempSync(join(tmpdir(), 'kx-video-sortie-svc-'));
    const s = await startStationService({ dataDir, staticDir: dataDir, port: 0, simWarmupMs: 2000, video: [{ drone: 'JH-01', url: `rtp://127.0.0.1:${port}` }], log: () => undefined });
    expect(s.ok).toBe(true);
    if (!s.ok) return;
    service = s.value;
    const sysid = s.value.files.fleet.drones.find((d) => d.id === 'JH-01')!.sysid;
    const ff = ffmpegRtp(port, { size: '320x240', seconds: 30, gop: 10, extra: ['-x264-params', 'repeat-headers=1'] });
    try {
      const snap = () => s.value.station.snapshot().vehicles.find((v) => v.sysid === sysid);
      expect(await until(() => snap()?.ekf?.posHorizAbs === true && (s.value.video.stats('JH-01')?.units ?? 0) > 15, 30_000)).toBe(true);
      const c = s.value.station.vehicle(sysid)!.commands;
      expect(await c.setMode('GUIDED')).toMatchObject({ ok: true });
      expect(await c.arm()).toMatchObject({ ok: true });
      expect(await until(() => s.value.video.stats('JH-01')?.recording?.endsWith('-sortie.ts') ?? false, 10_000)).toBe(true);
      expect(await c.disarm()).toMatchObject({ ok: true });
      expect(await until(() => s.value.video.stats('JH-01')?.recording?.endsWith('-ground.ts') ?? false, 10_000)).toBe(true);
    } finally {
      ff.kill('SIGKILL');
      await exited(ff);
    }
    await s.value.close();
    service = undefined;
    const files = recordings(dataDir);
    const order = [...files].sort((a, b) => a.index[0]!.arrivalMs - b.index[0]!.arrivalMs).map((f) => /-(ground|sortie)(-\d+)?\.ts$/.exec(f.ts)?.[1]);
    expect(order).toEqual(['ground', 'sortie', 'ground']);
    expectSeamless(files);
  }, 60_000);
});
