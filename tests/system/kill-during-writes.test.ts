/**
 * kill -9 during writes: a child process records a tlog (flushing every 100 ms) and commits a patrol-store event
 * every 2 ms (WAL, synchronous=FULL), and is killed with SIGKILL while both are writing. Afterwards:
 *  - the tlog reads to its last whole record with nothing skipped, and holds exactly the first records the child
 *    saw, in order, up to within a flush period (+ scheduling) of the kill;
 *  - SQLite's `PRAGMA integrity_check` is "ok", and every event the child reported committed is there;
 *  - the battery model the child rewrote one write after another (storage/atomic-file.ts) reads back whole: the
 *    last one it reported in place, or the one after it.
 * Three rounds, the kill at a different moment each time. What was lost is printed in numbers.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeRequire } from '../../station/node-require.js';
import { readTlogFile, type TlogStats } from '../../station/storage/tlog.js';
import { loadBatteryModel } from '../../station/vehicle/battery-store.js';
import type BetterSqlite3 from 'better-sqlite3';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function runAndKill(afterEvents: number): Promise<{ dataDir: string; seen: number[]; committed: number; models: number; stderr: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kongxun-kill9-'));
  dirs.push(dataDir);
  // node itself (not npx) so that SIGKILL lands on the process that writes.
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'station/testdata/store-then-die.ts'), dataDir], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const seen: number[] = [];
  let committed = -1;
  let models = -1;
  let stderr = '';
  let partial = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve) => {
    child.on('exit', () => resolve());
    child.stdout.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) {
        if (l.startsWith('rx ')) seen.push(Number(l.slice(3)));
        else if (l.startsWith('ev ')) committed = Number(l.slice(3));
        else if (l.startsWith('bm ')) models = Number(l.slice(3));
      }
      if (committed >= afterEvents && !child.killed) child.kill('SIGKILL');
    });
  });
  return { dataDir, seen, committed, models, stderr };
}

describe('kill -9 during writes', () => {
  it.each([300, 700, 1100])('after %i committed events: tlog whole to its last record, SQLite intact with every committed row', async (n) => {
    const r = await runAndKill(n);
    expect(r.committed, r.stderr).toBeGreaterThanOrEqual(n);
    const files = readdirSync(join(r.dataDir, 'tlogs'));
    expect(files).toHaveLength(1);
    const path = join(r.dataDir, 'tlogs', files[0]!);
    const stats: TlogStats = { records: 0, skippedBytes: 0, truncated: false };
    const recs = readTlogFile(path, stats);
    expect(stats.skippedBytes).toBe(0);
    // Whole records to the end of the file (a torn tail would show as truncated and a byte count mismatch).
    const whole = recs.reduce((t, x) => t + 8 + x.frame.raw.length, 0);
    const size = statSync(path).size;
    const vehicle = recs.filter((x) => x.frame.sysid === 1).map((x) => x.timeUs);
    expect(vehicle).toEqual(r.seen.slice(0, vehicle.length));
    const lostRecords = r.seen.length - vehicle.length;
    const lostS = vehicle.length ? (r.seen.at(-1)! - vehicle.at(-1)!) / 1e6 : Infinity;
    // The records lost are those not yet flushed: within the 100 ms flush period plus scheduling.
    expect(lostS).toBeLessThan(2);
    const Database = nodeRequire()('better-sqlite3') as typeof BetterSqlite3;
    const db = new Database(join(r.dataDir, 'patrol.sqlite'));
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const rows = (db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
      expect(rows).toBeGreaterThanOrEqual(r.committed + 1);
      console.log(
        `kill -9 after ${r.committed + 1} committed events: tlog ${size} bytes (${whole} in whole records, torn tail ${size - whole} bytes), ` +
          `${vehicle.length} of ${r.seen.length} frames seen on disk (lost ${lostRecords} records, ${lostS.toFixed(3)} s); SQLite integrity ok, ${rows} events (${rows - r.committed - 1} committed after the last report, 0 lost)`,
      );
      // At most a torn tail shorter than one record (a kill between two write calls of one flush), which the
      // reader reports as truncated and stops before.
      expect(stats.truncated).toBe(size > whole);
      expect(size - whole).toBeLessThan(8 + 280);
      // The battery model: whole, and the last one reported in place or the one being written when killed.
      const model = loadBatteryModel(r.dataDir, 1);
      expect(model.ok, model.ok ? '' : model.reason).toBe(true);
      expect(r.models).toBeGreaterThan(0);
      if (model.ok) expect([r.models, r.models + 1]).toContain(model.value?.flightS);
      console.log(`  battery model rewritten ${r.models + 1} times before the kill: read back whole (flightS ${model.ok ? model.value?.flightS : '—'})`);
    } finally {
      db.close();
    }
  }, 60_000);
});
