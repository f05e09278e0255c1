import { describe, expect, it } from 'vitest';
import type { FlightSample, FlightSummary } from '../../common/api/contract.js';
import { FrameGate, ReplayClock, byDrone, dronesOf, fmtDate, fmtDistance, fmtSpan, fmtTime, indexAt, newestFirst, poseAt, sampleAt, trackOf } from './model.js';

const flight = (id: string, drone: string | null, startMs: number): FlightSummary => ({
  id, drone, sysid: 9, tlog: `${id}.tlog`, startMs, endMs: startMs + 60_000, truncated: false, maxAltRelM: 30, distanceM: 100, minBatteryPct: 80, video: [],
});

const sample = (t: number, lat: number | null, lon: number | null, hdg: number | null = 0): FlightSample => ({
  t, latDeg: lat, lonDeg: lon, altRelM: 10, headingDeg: hdg, groundSpeedMps: 1, climbMps: 0, batteryPct: 90, voltageV: 16, mode: 'GUIDED', armed: true,
});

describe('flight list', () => {
  const list = [flight('a~1', 'JH-02', 1000), flight('b~1', 'JH-10', 3000), flight('c~1', null, 2000), flight('d~1', 'JH-02', 4000)];
  it('is newest first', () => expect(newestFirst(list).map((f) => f.id)).toEqual(['d~1', 'b~1', 'c~1', 'a~1']));
  it('filters by drone, unnamed drones by sysid', () => {
    expect(dronesOf(list)).toEqual(['JH-02', 'JH-10', 'sys9']);
    expect(byDrone(list, 'JH-02').map((f) => f.id)).toEqual(['a~1', 'd~1']);
    expect(byDrone(list, 'sys9').map((f) => f.id)).toEqual(['c~1']);
    expect(byDrone(list, '')).toHaveLength(4);
  });
});

describe('formats', () => {
  it('shows station time (Asia/Shanghai) whatever the browser zone', () => {
    const ms = Date.parse('2026-11-24T23:30:05Z');
    expect(fmtDate(ms)).toBe('2026-11-25');
    expect(fmtTime(ms)).toBe('07:30:05');
  });
  it('spans and distances', () => {
    expect(fmtSpan(65_400)).toBe('1:05');
    expect(fmtSpan(3_725_000)).toBe('1:02:05');
    expect(fmtSpan(-5)).toBe('0:00');
    expect(fmtDistance(842.4)).toBe('842 m');
    expect(fmtDistance(1234)).toBe('1.23 km');
    expect(fmtDistance(12_345)).toBe('12.3 km');
  });
});

describe('samples', () => {
  const samples = [sample(0, null, null), sample(200, 24.5, 118.2, 350), sample(400, 24.6, 118.4, 10), sample(600, 0, 0)];
  it('finds the sample in force', () => {
    expect(indexAt(samples, -1)).toBe(-1);
    expect(indexAt(samples, 200)).toBe(1);
    expect(indexAt(samples, 399)).toBe(1);
    expect(indexAt(samples, 9999)).toBe(3);
    expect(sampleAt(samples, -1)?.t).toBe(0);
  });
  it('interpolates the pose along the track, heading across north the short way', () => {
    const track = trackOf(samples);
    expect(track.map((p) => p.t)).toEqual([200, 400]);
    const p = poseAt(track, 300)!;
    expect(p.latDeg).toBeCloseTo(24.55, 9);
    expect(p.lonDeg).toBeCloseTo(118.3, 9);
    expect(p.headingDeg).toBeCloseTo(0, 9);
    expect(poseAt(track, 0)).toMatchObject({ latDeg: 24.5 });
    expect(poseAt(track, 1000)).toMatchObject({ latDeg: 24.6 });
    expect(poseAt([], 0)).toBeNull();
  });
});

describe('replay clock', () => {
  it('runs at the rate from where it was set, re-anchors on seek and rate, stops at the end', () => {
    let now = 0;
    const c = new ReplayClock(10_000, 20_000, () => now);
    expect(c.t).toBe(10_000);
    c.play();
    now = 1000;
    expect(c.t).toBe(11_000);
    c.setRate(4);
    now = 2000;
    expect(c.t).toBe(15_000);
    c.seek(12_000);
    expect(c.t).toBe(12_000);
    now = 2500;
    expect(c.t).toBe(14_000);
    c.pause();
    now = 9000;
    expect(c.t).toBe(14_000);
    expect(c.tick()).toBe(false);
    c.play();
    now = 11_000;
    expect(c.tick()).toBe(true);
    expect(c.playing).toBe(false);
    expect(c.t).toBe(20_000);
    // Play at the end starts again.
    c.play();
    expect(c.t).toBe(10_000);
    c.seek(99_999);
    expect(c.t).toBe(20_000);
  });
});

describe('frame gate', () => {
  const f = (atMs: number, keyframe = false) => ({ data: atMs, atMs, keyframe });
  it('lets frames through as the clock reaches them; all at once when paused', () => {
    const g = new FrameGate<number>(0);
    for (const x of [f(100, true), f(133), f(166), f(200)]) g.push(x);
    expect(g.take(90, true)).toEqual([]);
    expect(g.take(150, true).map((x) => x.data)).toEqual([100, 133]);
    expect(g.take(150, false).map((x) => x.data)).toEqual([166, 200]);
  });
  it('drops what waited when the station starts again from an earlier point', () => {
    const g = new FrameGate<number>(0);
    for (const x of [f(5000, true), f(5033), f(5066)]) g.push(x);
    g.push(f(1000, true));
    expect(g.take(1000, true).map((x) => x.data)).toEqual([1000]);
    expect(g.size).toBe(0);
  });
  it('over its size drops whole groups of pictures from the front, never leaving a frame without its keyframe', () => {
    const g = new FrameGate<number>(0, 4);
    for (const x of [f(0, true), f(1), f(2), f(3, true), f(4)]) g.push(x);
    expect(g.take(10, true).map((x) => x.data)).toEqual([3, 4]);
    for (const x of [f(10, true), f(11), f(12), f(13), f(14)]) g.push(x);
    expect(g.size).toBe(0);
    g.push(f(15));
    expect(g.size).toBe(0);
    g.push(f(16, true));
    expect(g.take(20, true).map((x) => x.data)).toEqual([16]);
  });
});
