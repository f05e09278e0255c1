/**
 * tlog reading and writing:
 *  - the real ArduCopter capture parses completely, with the message counts mavlogdump reports;
 *  - a truncated last record ends reading cleanly; garbage in the middle is skipped and reading resumes;
 *  - the recorder writes exactly the frames sent and received (byte-equal, clock timestamps), one file
 *    per vehicle, with pre-heartbeat and broadcast frames attributed as documented; it flushes on the clock;
 *  - a recorder killed with SIGKILL leaves a file readable up to about a second before the kill.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { common, minimal } from 'mavlink-mappings';
import { FakeClock } from '../../mavlink/clock.js';
import { MavConnection } from '../../mavlink/connection.js';
import { make, messageName } from '../../mavlink/codec/messages.js';
import { memoryPair } from '../../mavlink/transport/index.js';
import { TlogRecorder, tlogFileName } from './recorder.js';
import { readTlog, readTlogFile, type TlogStats } from './tlog.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const FIXTURE = join(here, '../../tests/fixtures/copter-mission-flight.tlog');

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kongxun-tlog-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('tlog reader', () => {
  it('reads the real ArduCopter capture with the counts mavlogdump gives', () => {
    const stats: TlogStats = { records: 0, skippedBytes: 0, truncated: false };
    const recs = readTlogFile(FIXTURE, stats);
    expect(stats).toEqual({ records: 23938, skippedBytes: 0, truncated: false });
    const count = new Map<string, number>();
    for (const r of recs) {
      const k = `${r.frame.sysid}/${messageName(r.frame.msgid)}`;
      count.set(k, (count.get(k) ?? 0) + 1);
    }
    expect(recs.filter((r) => r.frame.sysid === 1)).toHaveLength(23710);
    expect(recs.filter((r) => r.frame.sysid === 255)).toHaveLength(228);
    expect(count.get('1/HEARTBEAT')).toBe(209);
    expect(count.get('255/HEARTBEAT')).toBe(194);
    expect(count.get('1/ATTITUDE')).toBe(807);
    expect(count.get('1/STATUSTEXT')).toBe(53);
    expect(count.get('255/COMMAND_LONG')).toBe(14);
    expect(count.get('1/COMMAND_ACK')).toBe(14);
    expect(count.get('1/MISSION_REQUEST')).toBe(7);
    expect(count.get('1/PARAM_VALUE')).toBe(1406);
    for (let i = 1; i < recs.length; i++) expect(recs[i]!.timeUs >= recs[i - 1]!.timeUs).toBe(true);
    const spanS = (recs.at(-1)!.timeUs - recs[0]!.timeUs) / 1e6;
    expect(spanS).toBeGreaterThan(203.9);
    expect(spanS).toBeLessThan(204);
  });

  it('stops cleanly at a truncated last record and resynchronises after garbage', () => {
    const bytes = new Uint8Array(readFileSync(FIXTURE)).subarray(0, 20_000);
    const full = [...readTlog(bytes)];
    const stats: TlogStats = { records: 0, skippedBytes: 0, truncated: false };
    const cut = [...readTlog(bytes.subarray(0, bytes.length - 3), stats)];
    expect(stats.truncated).toBe(true);
    expect(cut.length).toBeGreaterThan(100);
    expect(cut.length).toBeLessThanOrEqual(full.length);
    // Overwrite part of record 10 with junk: records before and after survive.
    let off = 0;
    for (let i = 0; i < 10; i++) off += 8 + full[i]!.frame.raw.length;
    const bad = bytes.slice();
    bad.fill(0x55, off + 8, off + 14);
    const st2: TlogStats = { records: 0, skippedBytes: 0, truncated: false };
    const rec = [...readTlog(bad, st2)];
    expect(rec.length).toBe(full.length - 1);
    expect(st2.skippedBytes).toBe(8 + full[10]!.frame.raw.length);
    expect(rec[10]!.timeUs).toBe(full[11]!.timeUs);
  });
});

describe('TlogRecorder', () => {
  it('names files by time, sysid and link', () => {
    expect(tlogFileName(Date.UTC(2026, 10, 24, 8, 0, 0), 11, 'udpin://0.0.0.0:14550')).toBe('2026-11-24T08-00-00Z_sys11_0.0.0.0-14550.tlog');
  });

  it('writes what was sent and received, per vehicle, byte-equal, flushed on the clock', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 24, 8, 0, 0));
    const dataDir = tempDir();
    const [a, b] = memoryPair(clock, { latencyMs: 3 });
    const gcs = new MavConnection(a, { clock, sysid: 255, compid: 190, name: 'radio' });
    const air = new MavConnection(b, { clock, sysid: 1, compid: 1 });
    await gcs.open();
    await air.open();
    const rec = new TlogRecorder({ clock, dataDir });
    rec.attach(gcs);
    const gcsHb = make(minimal.Heartbeat, { type: 6, autopilot: 8, systemStatus: 4 });
    const vHb = (sysid: number) => air.sendAs(make(minimal.Heartbeat, { type: 2, autopilot: 3 }), sysid, 1);

    gcs.send(gcsHb); // before any vehicle: buffered, then in every vehicle's file
    air.send(make(common.StatusText, { severity: 6, text: 'early text' })); // before its heartbeat
    clock.advance(10);
    vHb(1);
    clock.advance(10);
    gcs.send(make(common.CommandLong, { targetSystem: 1, targetComponent: 1, command: 400, _param1: 1 }));
    vHb(2);
    clock.advance(10);
    gcs.send(make(common.CommandLong, { targetSystem: 2, targetComponent: 1, command: 400, _param1: 1 }));
    gcs.send(gcsHb);
    clock.advance(10);

    const files = rec.files();
    expect(files.map((f) => f.split('/').at(-1))).toEqual(['2026-11-24T08-00-00Z_sys1_radio.tlog', '2026-11-24T08-00-00Z_sys2_radio.tlog']);
    // Nothing on disk before the first flush; after a second on the clock, everything.
    expect(readTlogFile(files[0]!)).toHaveLength(0);
    clock.advance(1000);
    const f1 = readTlogFile(files[0]!);
    const f2 = readTlogFile(files[1]!);
    const sum = (rs: typeof f1) => rs.map((r) => `${r.frame.sysid}:${messageName(r.frame.msgid)}`);
    expect(sum(f1)).toEqual(['255:HEARTBEAT', '1:STATUSTEXT', '1:HEARTBEAT', '255:COMMAND_LONG', '255:HEARTBEAT']);
    expect(sum(f2)).toEqual(['255:HEARTBEAT', '2:HEARTBEAT', '255:COMMAND_LONG', '255:HEARTBEAT']);
    expect(f1[0]!.timeUs).toBe(Date.UTC(2026, 10, 24, 8, 0, 0) * 1000);
    expect(f1[1]!.timeUs).toBe((Date.UTC(2026, 10, 24, 8, 0, 0) + 3) * 1000);
    // byte-equal with what went over the wire
    const wire: Uint8Array[] = [];
    gcs.onSent((s) => wire.push(s.bytes));
    gcs.send(make(common.CommandLong, { targetSystem: 1, targetComponent: 1, command: 176, _param1: 1, _param2: 4 }));
    clock.advance(5); // the memory link's delivery timer
    rec.close();
    const last = readTlogFile(files[0]!).at(-1)!;
    expect([...last.frame.raw]).toEqual([...wire[0]!]);
    expect(rec.errors()).toEqual([]);
    expect(clock.pending()).toBe(0);
  });

  it('a recorder killed with SIGKILL leaves a file readable up to about a second before the kill', async () => {
    const dataDir = tempDir();
    const child = spawn('npx', ['tsx', join(here, '..', 'testdata/record-then-die.ts'), dataDir], { cwd: join(here, '..', '..'), stdio: ['ignore', 'pipe', 'pipe'] });
    const seen: number[] = [];
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let partial = '';
    const killed = new Promise<void>((resolve) => {
      child.on('exit', () => resolve());
      child.stdout.on('data', (d: Buffer) => {
        const lines = (partial + d.toString()).split('\n');
        partial = lines.pop() ?? '';
        for (const l of lines) if (l.startsWith('rx ')) seen.push(Number(l.slice(3)));
        if (seen.length > 0 && seen.at(-1)! - seen[0]! >= 2_500_000 && !child.killed) child.kill('SIGKILL');
      });
    });
    await killed;
    expect(seen.length, stderr).toBeGreaterThan(50);
    const files = readdirSync(join(dataDir, 'tlogs'));
    expect(files).toHaveLength(1);
    const stats: TlogStats = { records: 0, skippedBytes: 0, truncated: false };
    const recs = readTlogFile(join(dataDir, 'tlogs', files[0]!), stats);
    expect(stats.skippedBytes).toBe(0);
    const vehicle = recs.filter((r) => r.frame.sysid === 1).map((r) => r.timeUs);
    // What is on disk is exactly the start of what was recorded, in order…
    expect(vehicle).toEqual(seen.slice(0, vehicle.length));
    // …and reaches to within the flush period (1 s) plus scheduling slack of the last frame seen.
    expect(vehicle.at(-1)!).toBeGreaterThanOrEqual(seen.at(-1)! - 2_000_000);
  });
});
