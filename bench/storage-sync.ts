/**
 * What durability costs: the tlog recorder's fdatasync period and the patrol store's SQLite synchronous mode,
 * on the data disk (the OS temp folder unless `KONGXUN_BENCH_DIR` names another; a tmpfs would make every sync
 * free and the figures meaningless).
 *
 *   npx tsx bench/storage-sync.ts [drones=5] [rows=1500]
 *
 * tlogs: the real ArduCopter session in tests/fixtures (204 s, 23 938 frames) replayed on the FakeClock into
 * `drones` connections at once (one file each), through the real TlogRecorder (flush every 1 s), once per
 * policy: never sync (baseline), every 10 s (the default), every 1 s, at every flush (0). Wall time of the
 * whole replay and the number of fdatasync calls; the ratio is against the baseline in the same run.
 * SQLite: `rows` event inserts (one transaction each, as the runner writes them) under WAL with
 * synchronous=NORMAL (baseline) and FULL (the default): µs per row and the ratio.
 */
import * as fs from 'node:fs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../common/clock.js';
import { decodePayload } from '../mavlink/codec/messages.js';
import type { Received } from '../mavlink/connection.js';
import { openPatrolStore } from '../station/patrol/store.js';
import { TlogRecorder, type RecorderFs } from '../station/storage/recorder.js';
import { readTlog } from '../station/storage/tlog.js';

const drones = Number(process.argv[2] ?? 5);
const rows = Number(process.argv[3] ?? 1500);
const base = process.env.KONGXUN_BENCH_DIR ?? tmpdir();
const fixture = new Uint8Array(readFileSync(new URL('../tests/fixtures/copter-mission-flight.tlog', import.meta.url)));
const recs = [...readTlog(fixture)].filter((r) => r.frame.sysid === 1);
const t0Us = recs[0]!.timeUs;

function tlogRun(syncMs: number): { ms: number; syncs: number; bytes: number } {
  const dir = mkdtempSync(join(base, 'kongxun-bench-sync-'));
  let syncs = 0;
  const counting: RecorderFs = { ...fs, fdatasyncSync: (fd: number) => { syncs++; fs.fdatasyncSync(fd); } } as RecorderFs;
  const clock = new FakeClock(1_764_000_000_000);
  const rec = new TlogRecorder({ clock, dataDir: dir, syncMs, fs: counting });
  const listeners: ((r: Received) => void)[] = [];
  for (let d = 0; d < drones; d++) rec.attach({ name: `drone-${d}`, onMessage: (l) => (listeners.push(l), () => {}), onSent: () => () => {} });
  const t = performance.now();
  const start = clock.now();
  for (const r of recs) {
    const at = start + (r.timeUs - t0Us) / 1000;
    if (at > clock.now()) clock.advance(at - clock.now());
    const message = r.frame.known ? decodePayload(r.frame.msgid, r.frame.payload) : undefined;
    const rx = { frame: r.frame, message, atMs: at } as unknown as Received;
    for (const l of listeners) l(rx);
  }
  rec.close();
  const ms = performance.now() - t;
  const bytes = fs.readdirSync(join(dir, 'tlogs')).reduce((s, f) => s + fs.statSync(join(dir, 'tlogs', f)).size, 0);
  rmSync(dir, { recursive: true, force: true });
  return { ms, syncs, bytes };
}

function sqliteRun(synchronous: 'NORMAL' | 'FULL'): number {
  const dir = mkdtempSync(join(base, 'kongxun-bench-sql-'));
  const s = openPatrolStore(dir, { synchronous });
  if (!s.ok) throw new Error(s.reason);
  const t = performance.now();
  for (let i = 0; i < rows; i++) s.value.event({ atMs: i, sortie: 'P001', sysid: 11, kind: 'state', text: `preparing → uploading ${i}` });
  const us = ((performance.now() - t) * 1000) / rows;
  s.value.close();
  rmSync(dir, { recursive: true, force: true });
  return us;
}

const spanS = (recs.at(-1)!.timeUs - t0Us) / 1e6;
console.log(`tlogs: ${drones} drones × ${recs.length} frames (${spanS.toFixed(0)} s of ArduCopter telemetry each), data folder on ${base}`);
tlogRun(Infinity); // warm-up
const policies: [string, number][] = [['never (baseline)', Infinity], ['every 10 s (default)', 10_000], ['every 1 s', 1000], ['every flush (0)', 0]];
const results = policies.map(([label, ms]) => ({ label, ...[0, 1, 2].map(() => tlogRun(ms)).sort((a, b) => a.ms - b.ms)[0]! }));
const baseline = results[0]!.ms;
const syncs0 = results[0]!.syncs;
console.log('policy                  wall ms   fdatasync   MB written   ratio   ms per sync   event loop share per drone');
for (const r of results) {
  const per = r.syncs > syncs0 ? (r.ms - baseline) / (r.syncs - syncs0) : 0;
  // Time the event loop spends in fdatasync, as a share of the flight time, per drone (one file each).
  const share = (per * (r.syncs - syncs0)) / drones / (spanS * 1000);
  console.log(`${r.label.padEnd(22)} ${r.ms.toFixed(0).padStart(8)}   ${String(r.syncs).padStart(9)}   ${(r.bytes / 1e6).toFixed(2).padStart(10)}   ${(r.ms / baseline).toFixed(2).padStart(5)}   ${per.toFixed(2).padStart(11)}   ${(100 * share).toFixed(3)} %`);
}
console.log(`\nSQLite patrol store: ${rows} event rows, one transaction each (WAL)`);
sqliteRun('NORMAL'); // warm-up
const normal = Math.min(sqliteRun('NORMAL'), sqliteRun('NORMAL'));
const full = Math.min(sqliteRun('FULL'), sqliteRun('FULL'));
console.log(`synchronous=NORMAL (baseline)  ${normal.toFixed(0).padStart(6)} µs/row   1.00`);
console.log(`synchronous=FULL (default)     ${full.toFixed(0).padStart(6)} µs/row   ${(full / normal).toFixed(2)}`);
