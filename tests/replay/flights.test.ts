/**
 * Flights from tlogs, on the real ArduCopter session (tests/fixtures/copter-mission-flight.tlog: boot, refused
 * arming until the position estimate, a mission flown in AUTO — take off to 35 m, two waypoints, a loiter, RTL —
 * landing and disarm). Every figure the catalog gives is checked against an independent read of the raw records
 * (HEARTBEAT armed bits and custom modes, GLOBAL_POSITION_INT, SYS_STATUS/BATTERY_STATUS, STATUSTEXT), then
 * against copies of the file that are cut mid-record, corrupted in the middle, grown while being read, or not
 * files at all.
 */
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { common, minimal, standard } from 'mavlink-mappings';
import { describe, expect, it } from 'vitest';
import { decodePayload } from '../../mavlink/codec/messages.js';
import { bufferIo } from '../../station/cli/io.js';
import { main } from '../../station/cli/main.js';
import type { FlightSummary } from '../../common/api/contract.js';
import { groundDistanceM } from '../../common/geo.js';
import { FlightCatalog, parseFlightId, SAMPLE_MS } from '../../station/replay/flights.js';
import { readTlog, type TlogRecord, type TlogStats } from '../../station/storage/tlog.js';

const FIXTURE = join(fileURLToPath(new URL('.', import.meta.url)), '../fixtures/copter-mission-flight.tlog');
/** As the recorder names a file of sysid 1 on a TCP link. */
const NAME = '2026-11-23T01-13-51Z_sys1_tcpout-127.0.0.1-5760.tlog';
const ID = '2026-11-23T01-13-51Z_sys1_tcpout-127.0.0.1-5760~1';
const BYTES = new Uint8Array(readFileSync(FIXTURE));

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kx-flights-'));
  mkdirSync(join(dir, 'tlogs'));
  return dir;
}

function catalog(dir: string, log: string[] = []): FlightCatalog {
  return new FlightCatalog({ dataDir: dir, droneName: (s) => (s === 1 ? 'JH-01' : null), log: (l) => log.push(l) });
}

/** Records with their byte offsets (the fixture has no bad bytes: offsets add up). */
function records(bytes: Uint8Array): (TlogRecord & { offset: number; t: number })[] {
  const out: (TlogRecord & { offset: number; t: number })[] = [];
  const stats: TlogStats = { records: 0, skippedBytes: 0, truncated: false };
  let at = 0;
  for (const r of readTlog(bytes, stats)) {
    out.push({ ...r, offset: at, t: r.timeUs / 1000 });
    at += 8 + r.frame.raw.length;
  }
  expect(stats.skippedBytes).toBe(0);
  return out;
}

/** The flight as the raw records say it, without the reducer. */
function independent(bytes: Uint8Array) {
  const recs = records(bytes).filter((r) => r.frame.sysid === 1 && r.frame.compid === 1);
  let start: number | undefined;
  let end: number | undefined;
  let modeBefore: number | undefined;
  let modeAtArm: number | undefined;
  const modesInFlight: number[] = [];
  let prevArmed = false;
  let prevMode: number | undefined;
  for (const r of recs) {
    const m = decodePayload(r.frame.msgid, r.frame.payload);
    if (!(m instanceof minimal.Heartbeat)) continue;
    const armed = (m.baseMode & minimal.MavModeFlag.SAFETY_ARMED) !== 0;
    if (armed && !prevArmed && start === undefined) {
      start = r.t;
      modeBefore = prevMode;
      modeAtArm = m.customMode;
    }
    if (start !== undefined && end === undefined && m.customMode !== prevMode && r.t > start) modesInFlight.push(m.customMode);
    if (!armed && prevArmed && end === undefined) end = r.t;
    prevArmed = armed;
    prevMode = m.customMode;
  }
  const inFlight = recs.filter((r) => r.t >= start! && r.t <= end!);
  let maxAlt = -Infinity;
  let dist = 0;
  let last: { latDeg: number; lonDeg: number } | undefined;
  let minBat = Infinity;
  const texts: string[] = [];
  for (const r of inFlight) {
    const m = decodePayload(r.frame.msgid, r.frame.payload);
    if (m instanceof standard.GlobalPositionInt) {
      maxAlt = Math.max(maxAlt, m.relativeAlt / 1000);
      const p = { latDeg: m.lat / 1e7, lonDeg: m.lon / 1e7 };
      if (last) dist += groundDistanceM(last, p);
      last = p;
    }
    if (m instanceof common.SysStatus && m.batteryRemaining >= 0) minBat = Math.min(minBat, m.batteryRemaining);
    if (m instanceof common.BatteryStatus && m.id === 0 && m.batteryRemaining >= 0) minBat = Math.min(minBat, m.batteryRemaining);
    if (m instanceof common.StatusText) texts.push(m.text);
  }
  return { start: start!, end: end!, modeBefore, modeAtArm, modesInFlight, maxAlt, dist, minBat, texts };
}

describe('flights from the real ArduCopter tlog', () => {
  it('finds the one flight with the figures an independent read gives', async () => {
    const ref = independent(BYTES);
    // What the independent read says (verified by hand against the capture): armed in AUTO straight from GUIDED
    // (the mission's takeoff), no other mode change until the disarm, 35 m top, ~603 m flown, 63 % battery left.
    expect(ref.start).toBe(1795396473495.608);
    expect(ref.end).toBe(1795396630515.172);
    expect(ref.modeBefore).toBe(4); // GUIDED
    expect(ref.modeAtArm).toBe(3); // AUTO
    expect(ref.modesInFlight).toEqual([]);
    expect(ref.maxAlt).toBe(34.998);
    expect(ref.minBat).toBe(63);
    expect(ref.texts).toHaveLength(14);

    const dir = dataDir();
    copyFileSync(FIXTURE, join(dir, 'tlogs', NAME));
    const c = catalog(dir);
    const list = await c.list();
    expect(list).toHaveLength(1);
    const f = list[0]!;
    expect(f).toEqual({
      id: ID,
      drone: 'JH-01',
      sysid: 1,
      tlog: NAME,
      startMs: ref.start,
      endMs: ref.end,
      truncated: false,
      maxAltRelM: ref.maxAlt,
      distanceM: Math.round(ref.dist * 10) / 10,
      minBatteryPct: ref.minBat,
      video: [],
    });
    expect(f.distanceM).toBeCloseTo(602.9, 1);
    expect((f.endMs - f.startMs) / 1000).toBeCloseTo(157.0, 1);
    console.log(`fixture flight: ${new Date(f.startMs).toISOString()} → ${new Date(f.endMs).toISOString()}, ${((f.endMs - f.startMs) / 1000).toFixed(1)} s, max ${f.maxAltRelM} m, ${f.distanceM} m, battery ≥ ${f.minBatteryPct} %`);

    const d = (await c.detail(ID))!;
    expect(d.flight).toEqual(f);
    expect(d.home).toEqual({ latDeg: 24.4797999, lonDeg: 118.0894 });
    // Events: armed and the mode change on the same HEARTBEAT, the autopilot's 14 texts as sent, disarmed.
    expect(d.events[0]).toEqual({ t: ref.start, kind: 'armed', level: 'info', text: 'armed' });
    expect(d.events[1]).toEqual({ t: ref.start, kind: 'mode', level: 'info', text: 'mode GUIDED → AUTO' });
    expect(d.events.filter((e) => e.kind === 'statustext').map((e) => e.text)).toEqual(ref.texts);
    expect(d.events.find((e) => e.text === 'Mission: 6 RTL')).toMatchObject({ kind: 'statustext', level: 'info' });
    expect(d.events.at(-1)).toEqual({ t: ref.end, kind: 'disarmed', level: 'info', text: 'disarmed' });
    expect(d.events.filter((e) => e.kind === 'link-lost' || e.kind === 'link-regained')).toEqual([]);
    expect(d.events).toHaveLength(17);
    for (let k = 1; k < d.events.length; k++) expect(d.events[k]!.t).toBeGreaterThanOrEqual(d.events[k - 1]!.t);
    // Samples: the first of each 200 ms, from the arming to the disarm; the climb to 35 m and the way down.
    const s = d.samples;
    expect(s[0]).toMatchObject({ t: ref.start, armed: true, mode: 'AUTO', batteryPct: 100 });
    for (let k = 1; k < s.length; k++) expect(Math.floor((s[k]!.t - ref.start) / SAMPLE_MS)).toBeGreaterThan(Math.floor((s[k - 1]!.t - ref.start) / SAMPLE_MS));
    expect(s.at(-1)!.t).toBeLessThanOrEqual(ref.end);
    expect(s.length).toBeGreaterThan(600); // telemetry at 4 Hz for 157 s
    expect(s.length).toBeLessThanOrEqual(Math.ceil((ref.end - ref.start) / SAMPLE_MS) + 1);
    const alts = s.map((x) => x.altRelM ?? 0);
    const top = alts.indexOf(Math.max(...alts));
    expect(Math.max(...alts)).toBeCloseTo(35, 0);
    expect(alts[0]).toBeLessThan(0.5);
    expect(alts.at(-1)).toBeLessThan(0.5);
    expect(top).toBeGreaterThan(0);
    expect(top).toBeLessThan(s.length - 1);
    expect(Math.min(...s.map((x) => x.batteryPct ?? 100))).toBe(63);
  });

  it('reads each file once: a second listing is from the cache', async () => {
    const dir = dataDir();
    copyFileSync(FIXTURE, join(dir, 'tlogs', NAME));
    const c = catalog(dir);
    await c.list();
    const first = c.stats().scannedBytes;
    expect(first).toBe(BYTES.length);
    expect(await c.list()).toHaveLength(1);
    expect(c.stats().scannedBytes).toBe(first);
  });

  it('a file growing while the station records it: listed in the air (truncated), then whole, read on from where it stopped', async () => {
    const ref = independent(BYTES);
    const recs = records(BYTES);
    const mid = recs.find((r) => r.t > ref.start + 60_000)!;
    const cut = mid.offset + 5; // inside a record, as a flush may leave it
    const dir = dataDir();
    const file = join(dir, 'tlogs', NAME);
    writeFileSync(file, BYTES.subarray(0, cut));
    const c = catalog(dir);
    const before = await c.list();
    expect(before).toHaveLength(1);
    const lastBefore = recs.filter((r) => r.offset + 8 + r.frame.raw.length <= cut && r.frame.sysid === 1).at(-1)!;
    expect(before[0]).toMatchObject({ id: ID, startMs: ref.start, endMs: lastBefore.t, truncated: true });
    const inAir = (await c.detail(ID))!;
    expect(inAir.events.at(-1)!.kind).not.toBe('disarmed');
    expect(inAir.samples.at(-1)!.armed).toBe(true);
    appendFileSync(file, BYTES.subarray(cut));
    const after = await c.list();
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: ID, startMs: ref.start, endMs: ref.end, truncated: false, maxAltRelM: ref.maxAlt, minBatteryPct: ref.minBat });
    expect(after[0]!.distanceM).toBeCloseTo(Math.round(ref.dist * 10) / 10, 5);
    // Read on, not again: the first part plus the rest (from the record that was cut).
    expect(c.stats().scannedBytes).toBe(cut + (BYTES.length - mid.offset));
    expect((await c.detail(ID))!.events).toHaveLength(17);
  });

  it('a copy cut mid-record during the flight is listed as truncated, ending at the last whole record', async () => {
    const ref = independent(BYTES);
    const recs = records(BYTES);
    const at = recs.find((r) => r.t > ref.start + 100_000)!;
    const cut = at.offset + 8 + 3; // timestamp and 3 bytes of the frame
    const dir = dataDir();
    writeFileSync(join(dir, 'tlogs', NAME), BYTES.subarray(0, cut));
    const list = await catalog(dir).list();
    const lastVehicle = recs.filter((r) => r.offset < at.offset && r.frame.sysid === 1).at(-1)!;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ startMs: ref.start, endMs: lastVehicle.t, truncated: true, maxAltRelM: ref.maxAlt });
  });

  it('a run of corrupt bytes in the flight is skipped: same flight, same events, a few samples fewer at most', async () => {
    const ref = independent(BYTES);
    const recs = records(BYTES);
    const at = recs.find((r) => r.t > ref.start + 60_000)!; // 01:15:33, no STATUSTEXT within a second of it
    const bad = BYTES.slice();
    bad.fill(0xa5, at.offset + 3, at.offset + 3 + 1000);
    const stats: TlogStats = { records: 0, skippedBytes: 0, truncated: false };
    for (const _ of readTlog(bad, stats)) void _;
    expect(stats.skippedBytes).toBeGreaterThan(1000);
    const dir = dataDir();
    writeFileSync(join(dir, 'tlogs', NAME), bad);
    copyFileSync(FIXTURE, join(dir, 'tlogs', 'whole_sys1_x.tlog'));
    const c = catalog(dir);
    const list = await c.list();
    expect(list).toHaveLength(2);
    const damaged = list.find((f) => f.tlog === NAME)!;
    expect(damaged).toMatchObject({ startMs: ref.start, endMs: ref.end, truncated: false, maxAltRelM: ref.maxAlt, minBatteryPct: ref.minBat });
    const d = (await c.detail(damaged.id))!;
    const whole = (await c.detail('whole_sys1_x~1'))!;
    expect(d.events).toEqual(whole.events);
    expect(d.samples.length).toBeLessThanOrEqual(whole.samples.length);
    expect(d.samples.length).toBeGreaterThan(whole.samples.length - 5);
  });

  it('a gap of more than 5 s in the vehicle\'s frames is a lost and regained link; a log whose vehicle falls silent for good ends with a lost link', async () => {
    const ref = independent(BYTES);
    const recs = records(BYTES);
    const concat = (rs: typeof recs) => Buffer.concat(rs.map((r) => BYTES.subarray(r.offset, r.offset + 8 + r.frame.raw.length)));
    // 8 s of the vehicle's frames missing in the middle of the flight (our own frames, sysid 255, go on).
    const from = ref.start + 40_000;
    const to = from + 8000;
    const gap = recs.filter((r) => r.frame.sysid !== 1 || r.t < from || r.t > to);
    const lastBefore = gap.filter((r) => r.frame.sysid === 1 && r.t < from).at(-1)!.t;
    const firstAfter = gap.find((r) => r.frame.sysid === 1 && r.t > to)!.t;
    // The vehicle silent from 100 s into the flight to the end of the log (our heartbeats go on for a minute).
    const silentFrom = ref.start + 100_000;
    const lost = recs.filter((r) => r.frame.sysid !== 1 || r.t < silentFrom);
    const lastHeard = lost.filter((r) => r.frame.sysid === 1).at(-1)!.t;
    expect(lost.at(-1)!.t - lastHeard).toBeGreaterThan(5000);
    const dir = dataDir();
    writeFileSync(join(dir, 'tlogs', 'gap_sys1_x.tlog'), concat(gap));
    writeFileSync(join(dir, 'tlogs', 'lost_sys1_x.tlog'), concat(lost));
    const c = catalog(dir);
    const list = await c.list();
    expect(list.find((f) => f.id === 'gap_sys1_x~1')).toMatchObject({ startMs: ref.start, endMs: ref.end, truncated: false });
    expect(list.find((f) => f.id === 'lost_sys1_x~1')).toMatchObject({ startMs: ref.start, endMs: lastHeard, truncated: true });
    const g = (await c.detail('gap_sys1_x~1'))!;
    expect(g.events.filter((e) => e.kind.startsWith('link'))).toEqual([
      { t: lastBefore, kind: 'link-lost', level: 'alert', text: `link lost (${((firstAfter - lastBefore) / 1000).toFixed(1)} s without a frame)` },
      { t: firstAfter, kind: 'link-regained', level: 'info', text: 'link regained' },
    ]);
    const l = (await c.detail('lost_sys1_x~1'))!;
    expect(l.events.at(-1)).toMatchObject({ t: lastHeard, kind: 'link-lost', level: 'alert' });
    expect(l.events.some((e) => e.kind === 'disarmed')).toBe(false);
  });

  it('never throws on bad files: garbage and empty files have no flights, a file that is not one is skipped with one log line', async () => {
    const dir = dataDir();
    copyFileSync(FIXTURE, join(dir, 'tlogs', NAME));
    const noise = new Uint8Array(200_000);
    let x = 12345;
    for (let k = 0; k < noise.length; k++) noise[k] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
    writeFileSync(join(dir, 'tlogs', 'noise_sys1_x.tlog'), noise);
    writeFileSync(join(dir, 'tlogs', 'empty_sys1_x.tlog'), new Uint8Array(0));
    mkdirSync(join(dir, 'tlogs', 'folder_sys1_x.tlog'));
    writeFileSync(join(dir, 'tlogs', 'notes.txt'), 'not a tlog');
    const log: string[] = [];
    const c = catalog(dir, log);
    expect((await c.list()).map((f) => f.id)).toEqual([ID]);
    expect(await c.list()).toHaveLength(1);
    expect(log).toEqual([`kongxun: replay: skipping ${join(dir, 'tlogs', 'folder_sys1_x.tlog')}: not a regular file`]);
  });

  it('a vehicle sysid from the file name, else from the first autopilot HEARTBEAT; unknown drones are null', async () => {
    const dir = dataDir();
    copyFileSync(FIXTURE, join(dir, 'tlogs', 'from-qgc.tlog'));
    copyFileSync(FIXTURE, join(dir, 'tlogs', '2026-11-23T01-13-51Z_sys7_tcp.tlog'));
    const list = await new FlightCatalog({ dataDir: dir, droneName: () => null }).list();
    expect(list.map((f) => [f.id, f.drone, f.sysid])).toEqual([['from-qgc~1', null, 1]]);
  });

  it('ids name a listed flight only: no path hides in one', async () => {
    expect(parseFlightId(ID)).toEqual({ tlog: NAME, n: 1 });
    for (const bad of ['../x~1', '..~1', 'a/b~1', 'a\\b~1', 'x~0', 'x~', '~1', 'x~1.5', 'x~-1', 'x\0~1']) expect(parseFlightId(bad), bad).toBeUndefined();
    const dir = dataDir();
    copyFileSync(FIXTURE, join(dir, 'tlogs', NAME));
    writeFileSync(join(dir, 'secret.tlog'), BYTES);
    const c = catalog(dir);
    expect(await c.detail('../secret~1')).toBeUndefined();
    expect(await c.detail(`${ID.slice(0, -1)}2`)).toBeUndefined();
    expect(await c.detail(ID)).toBeDefined();
  });

  it('kongxun flights lists them (table or JSON) in station time, names unreadable files on stderr, exits 0; a missing folder exits 2', async () => {
    const dir = dataDir();
    copyFileSync(FIXTURE, join(dir, 'tlogs', NAME));
    mkdirSync(join(dir, 'tlogs', 'folder_sys1_x.tlog'));
    const fleet = join(dir, 'fleet.json');
    const sample = JSON.parse(readFileSync(join(fileURLToPath(new URL('.', import.meta.url)), '../../resources/samples/fleet.json'), 'utf8')) as { drones: { id: string; sysid: number }[] };
    sample.drones[0]!.sysid = 1;
    writeFileSync(fleet, JSON.stringify(sample));
    const io = bufferIo();
    expect(await main(['flights', '--data', dir, '--fleet', fleet], io)).toBe(0);
    expect(io.lines).toHaveLength(2);
    expect(io.lines[0]).toMatch(new RegExp(`^${ID.replace(/\./g, '\\.')} +${sample.drones[0]!.id} +2026-11-23 09:14:33 +2:37 +max 35\\.0 m +603 m +bat 63% +video 0 *$`));
    expect(io.lines[1]).toBe(`1 flight in ${join(dir, 'tlogs')} (times in Asia/Shanghai, UTC+08:00)`);
    expect(io.errors).toEqual([`kongxun: replay: skipping ${join(dir, 'tlogs', 'folder_sys1_x.tlog')}: not a regular file`]);
    const json = bufferIo();
    expect(await main(['flights', '--data', dir, '--json'], json)).toBe(0);
    const parsed = JSON.parse(json.lines.join('\n')) as FlightSummary[];
    expect(parsed.map((f) => [f.id, f.drone, f.sysid])).toEqual([[ID, null, 1]]);
    const empty = bufferIo();
    expect(await main(['flights', '--data', mkdtempSync(join(tmpdir(), 'kx-none-'))], empty)).toBe(0);
    expect(empty.lines[0]).toMatch(/^no flights in /);
    expect(await main(['flights', '--bogus'], bufferIo())).toBe(2);
    const missing = bufferIo();
    expect(await main(['flights', '--data', join(dir, 'nonexistent')], missing)).toBe(2);
    expect(missing.errors.join('\n')).toContain(`no data folder ${join(dir, 'nonexistent')}`);
  });
});
