/**
 * Alerts carry pictures (issue 18): ffmpeg sends RTP/H.264 to a VideoHub; an alert of that drone gets its last
 * keyframe as a JPEG (ffmpeg-made, ≤ 640 px wide) in the snapshots folder, named in the event; the console server
 * serves it at /api/snapshots/<file> and refuses other names; a non-alert, a drone without video, and a keyframe
 * older than the limit get no picture. A patrol runner's alert (any level) takes its picture the same way; the
 * patrol store keeps it with the alert (also in a store written before pictures existed) and the console's
 * event of that alert names it.
 */
import Database from 'better-sqlite3';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StationEvent } from '../../common/api/contract.js';
import { patrolEvent } from '../../station/service.js';
import { openPatrolStore } from '../../station/patrol/store.js';
import { AlertSnapshots } from '../../station/video/alert-snapshot.js';
import { VideoHub } from '../../station/video/hub.js';
import { SystemClock } from '../../common/clock.js';
import { ffmpegRtp, freeUdpPortPair } from './ffmpeg.js';

const exited = (p: ReturnType<typeof spawn>) => new Promise((r) => (p.exitCode !== null ? r(p.exitCode) : p.on('exit', r)));
const alert = (drone: string, atMs: number): StationEvent => ({ atMs, sysid: 1, kind: 'vehicle-lost', severity: 'alert', text: `${drone}: link lost`, args: { drone } });

describe('alert snapshots', () => {
  it('an alert of a drone with video carries its last keyframe as a JPEG', async () => {
    const port = await freeUdpPortPair();
    const dataDir = mkdtempSync(join(tmpdir(), 'kx-snap-'));
    const hub = await VideoHub.start({ clock: new SystemClock(), dataDir, sources: [{ drone: 'JH-01', url: `rtp://127.0.0.1:${port}` }] });
    if (!hub.ok) throw new Error(hub.reason);
    await exited(ffmpegRtp(port, { size: '1280x720', seconds: 1, gop: 15 }));
    const key = hub.value.lastKeyframe('JH-01')!;
    expect(key).toBeDefined();
    let now = key.atMs + 1000;
    const dir = join(dataDir, 'snapshots');
    const snaps = new AlertSnapshots({ dir, lastKeyframe: (d) => hub.value.lastKeyframe(d), now: () => now });
    const ev = snaps.attach(alert('JH-01', now));
    expect(ev.snapshot).toEqual({ file: expect.stringMatching(/^JH-01_\d{13}_0\.jpg$/), atMs: key.atMs });
    // Not an alert, no video, or a keyframe too old: the event as it was.
    const info: StationEvent = { ...alert('JH-01', now), severity: 'warning' };
    expect(snaps.attach(info)).toBe(info);
    const other = alert('JH-05', now);
    expect(snaps.attach(other)).toBe(other);
    now = key.atMs + 60_000;
    const late = alert('JH-01', now);
    expect(snaps.attach(late)).toBe(late);
    await expect.poll(() => snaps.written, { timeout: 15_000 }).toEqual([ev.snapshot!.file]);
    await hub.value.close();
    const jpg = readFileSync(join(dir, ev.snapshot!.file));
    expect([jpg[0], jpg[1]]).toEqual([0xff, 0xd8]);
    const size = execFileSync('/usr/bin/ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', join(dir, ev.snapshot!.file)]).toString().trim();
    expect(size).toBe('640,360');
  });

  it('a patrol alert keeps its picture in the store, across a reopen and in a store written before pictures', async () => {
    const port = await freeUdpPortPair();
    const dataDir = mkdtempSync(join(tmpdir(), 'kx-snap-'));
    // A patrol store of the previous schema (no snapshot column), with one alert in it.
    const old = new Database(join(dataDir, 'patrol.sqlite'));
    old.exec('CREATE TABLE alerts (id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, sortie TEXT, sysid INTEGER, level TEXT NOT NULL, text TEXT NOT NULL, state TEXT)');
    old.prepare('INSERT INTO alerts (at_ms, sortie, sysid, level, text, state) VALUES (1, NULL, 11, ?, ?, NULL)').run('warning', 'before pictures');
    old.close();
    const hub = await VideoHub.start({ clock: new SystemClock(), dataDir, sources: [{ drone: 'JH-01', url: `rtp://127.0.0.1:${port}` }] });
    if (!hub.ok) throw new Error(hub.reason);
    await exited(ffmpegRtp(port, { size: '640x360', seconds: 1, gop: 15 }));
    const key = hub.value.lastKeyframe('JH-01')!;
    const now = key.atMs + 500;
    const snaps = new AlertSnapshots({ dir: join(dataDir, 'snapshots'), lastKeyframe: (d) => hub.value.lastKeyframe(d), now: () => now });
    const snapshot = snaps.take('JH-01', now);
    expect(snapshot).toEqual({ file: expect.stringMatching(/^JH-01_\d{13}_0\.jpg$/), atMs: key.atMs });
    expect(snaps.take('JH-05', now)).toBeUndefined();
    expect(snaps.take('../etc', now)).toBeUndefined();
    const opened = openPatrolStore(dataDir);
    if (!opened.ok) throw new Error(opened.reason);
    opened.value.alert({ atMs: now, sortie: 'P001', sysid: 11, level: 'warning', text: 'P001 (JH-01): link lost', state: null, ...(snapshot ? { snapshot } : {}) });
    opened.value.close();
    const again = openPatrolStore(dataDir);
    if (!again.ok) throw new Error(again.reason);
    const rows = again.value.alerts();
    again.value.close();
    expect(rows[0]!.snapshot).toBeUndefined();
    expect(rows[1]!.snapshot).toEqual(snapshot);
    expect(patrolEvent(rows[1]!, 'JH-01').snapshot).toEqual(snapshot);
    expect(patrolEvent(rows[0]!, 'JH-01').snapshot).toBeUndefined();
    await expect.poll(() => snaps.written, { timeout: 15_000 }).toEqual([snapshot!.file]);
    await hub.value.close();
    expect([...readFileSync(join(dataDir, 'snapshots', snapshot!.file)).subarray(0, 2)]).toEqual([0xff, 0xd8]);
  });
});
