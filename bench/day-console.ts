/**
 * A long simulated day with the console attached: the sample station's day flown by the runner on the
 * simulated fleet (station/patrol/sim-day.ts, FakeClock), with the station's records watched (tlogs recorded,
 * StorageHealth gating launches), the console server (station/server/console-server.ts) serving it and a
 * console on a real WebSocket reading every message; a disk-full fault mid-day (an injected fs: ENOSPC at the
 * byte reached, SQLite's page cap) for `faultMin` minutes. Prints RSS and heap (after a GC) at the start (once
 * the fleet is up) and at the end, the growth, the console's message and event counts and rate, what the
 * outage lost, and any unhandled rejection or uncaught exception (there must be none).
 *
 *   node --expose-gc --import tsx bench/day-console.ts [hours=24] [faultMin=20] [snapshotHz=1]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { getHeapSpaceStatistics } from 'node:v8';
import WebSocket from 'ws';
import { planDay } from '../missions/plan/day.js';
import { sortiePlan } from '../missions/plan/exports.js';
import { localMidnightUtcMs } from '../missions/plan/timezone.js';
import type { ServerMessage, StationEvent } from '../common/api/contract.js';
import { stationEvent, vehicleViews } from '../station/api/views.js';
import { buildReport } from '../station/patrol/report.js';
import { SimDay } from '../station/patrol/sim-day.js';
import { startConsoleServer } from '../station/server/console-server.js';
import { loadStationFiles } from '../station/files/station-files.js';
import { storageEvent } from '../station/storage/health.js';
import { EnospcFs } from '../station/testdata/enospc-fs.js';
import { addTestUser, signIn, testAuth, withSession } from '../tests/sign-in.js';

const DATE = '2026-11-24';
const hours = Number(process.argv[2] ?? 24);
const faultMin = Number(process.argv[3] ?? 20);
const snapshotHz = Number(process.argv[4] ?? 1);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) console.log('(run with node --expose-gc for heap figures after a GC)');

let rejections = 0;
let exceptions = 0;
process.on('unhandledRejection', (e) => {
  rejections++;
  console.error('unhandled rejection:', e);
});
process.on('uncaughtException', (e) => {
  exceptions++;
  console.error('uncaught exception:', e);
});

const files = loadStationFiles();
if (!files.ok) throw new Error(files.reason);
const plan = planDay(files.value.geography, files.value.fleet, DATE);
const dir = mkdtempSync(join(tmpdir(), 'kongxun-bench-dayconsole-'));
mkdirSync(join(dir, 'sorties'));
writeFileSync(join(dir, 'schedule.json'), JSON.stringify(plan.schedule));
for (const ps of plan.sorties) writeFileSync(join(dir, ps.sortie.plan), JSON.stringify(sortiePlan(ps)));

const fs = new EnospcFs(1e15);
let db: BetterSqlite3.Database | undefined;
const made = await SimDay.create({
  planDir: dir, fleet: files.value.fleet, docks: files.value.geography.docks, stationGeoJson: files.value.geojson,
  storage: { recorder: { fs }, store: { onOpen: (d) => (db = d) }, freeBytes: () => null },
});
if (!made.ok) throw new Error(made.reason);
const day = made.value;
const names = new Map(files.value.fleet.drones.map((d) => [d.sysid, d.id] as const));
const listeners = new Set<(e: StationEvent) => void>();
day.station.on('*', (e) => {
  const ev = stationEvent(e, day.clock.now(), names);
  if (ev) for (const l of listeners) l(ev);
});
day.health!.onNotice((n) => {
  const ev = storageEvent(n);
  for (const l of listeners) l(ev);
});
// The console signs in as every console does: a viewer account in the bench's data folder.
await addTestUser(dir, 'viewer');
const auth = testAuth(dir);
const server = await startConsoleServer({
  clock: day.clock, staticDir: dir, port: 0, snapshotHz, auth,
  source: {
    hello: () => ({ type: 'hello', station: files.value.fleet.station, geography: files.value.geojson, simulated: true, version: '0.1.0', tiles: null }),
    snapshot: () => ({ type: 'snapshot', atMs: day.clock.now(), station: files.value.fleet.station, simulated: true, vehicles: vehicleViews(day.station.snapshot(), names) }),
    onEvent: (cb) => {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    command: async () => ({ ok: false, result: 'denied', reason: 'bench console' }),
  },
});
if (!server.ok) throw new Error(server.reason);
const ws = new WebSocket(`${server.value.url.replace('http', 'ws')}ws`, withSession(await signIn(server.value.url, 'viewer')));
let messages = 0;
let bytes = 0;
let events = 0;
const storageSeen: string[] = [];
ws.on('message', (d) => {
  messages++;
  bytes += (d as Buffer).length;
  const m = JSON.parse(String(d)) as ServerMessage;
  if (m.type === 'event') {
    events++;
    if (m.event.kind.startsWith('storage')) storageSeen.push(m.event.kind);
  }
});
await new Promise((r) => ws.once('open', r));

const mem = () => {
  gc?.();
  const m = process.memoryUsage();
  // V8's compiled code (code space) grows as more functions get optimised; it is not a leak of the station's
  // objects, so it is shown apart: the station's objects are heap used minus code space.
  const code = getHeapSpaceStatistics().find((sp) => sp.space_name === 'code_space')?.space_used_size ?? 0;
  return { rss: m.rss / 2 ** 20, heap: m.heapUsed / 2 ** 20, code: code / 2 ** 20, objects: (m.heapUsed - code) / 2 ** 20, heapTotal: m.heapTotal / 2 ** 20, external: m.external / 2 ** 20, arrayBuffers: m.arrayBuffers / 2 ** 20 };
};
const d0 = localMidnightUtcMs(DATE, plan.schedule.timezone);
const simStart = day.clock.now();
const end = hours >= 24 ? Math.max(d0 + 86_400_000, ...day.day.sorties.map((s) => s.landMs)) + 5 * 60_000 : simStart + hours * 3600_000;
const faultAt = simStart + (end - simStart) / 2;
// The start figure once the fleet is up and the console has its first snapshots.
await day.runUntil(simStart + 10 * 60_000);
const start = mem();
const t0 = performance.now();
let faultDone = false;
for (let t = day.clock.now(); t < end; t += 600_000) {
  await day.runUntil(Math.min(end, t + 600_000), faultDone ? [] : [
    { atMs: faultAt, run: () => { fs.space(0); db!.pragma(`max_page_count = ${db!.pragma('page_count', { simple: true }) as number}`); } },
    { atMs: faultAt + faultMin * 60_000, run: () => { fs.space(1e15); db!.pragma('max_page_count = 1073741823'); faultDone = true; } },
  ].filter((h) => h.atMs >= t && h.atMs < t + 600_000));
}
const wallS = (performance.now() - t0) / 1000;
const endMem = mem();
const r = buildReport(day.day, day.runner.list(), day.store.alerts(), day.runner.dispatches(), day.clock.now());
const recovered = day.notices.filter((n) => n.kind === 'storage-recovered');
ws.close();
await server.value.close();
auth.close();
await day.close();
rmSync(dir, { recursive: true, force: true });
rmSync(day.dataDir, { recursive: true, force: true });
const simH = (end - simStart) / 3600_000;
console.log(`| simulated | ${simH.toFixed(2)} h, ${day.fleet.members.length} drones, console at ${snapshotHz} Hz snapshots on a real WebSocket |`);
console.log(`| wall | ${wallS.toFixed(0)} s |`);
console.log(`| RSS start → end | ${start.rss.toFixed(1)} → ${endMem.rss.toFixed(1)} MB (${((100 * (endMem.rss - start.rss)) / start.rss).toFixed(1)} %) |`);
console.log(`| heap used start → end (after GC) | ${start.heap.toFixed(1)} → ${endMem.heap.toFixed(1)} MB (${((100 * (endMem.heap - start.heap)) / start.heap).toFixed(1)} %) |`);
console.log(`| of which V8's compiled code (code space) | ${start.code.toFixed(1)} → ${endMem.code.toFixed(1)} MB; the rest (the station's objects) ${start.objects.toFixed(1)} → ${endMem.objects.toFixed(1)} MB (${((100 * (endMem.objects - start.objects)) / start.objects).toFixed(1)} %) |`);
console.log(`| heap total, external, array buffers start → end | ${start.heapTotal.toFixed(1)} → ${endMem.heapTotal.toFixed(1)}, ${start.external.toFixed(1)} → ${endMem.external.toFixed(1)}, ${start.arrayBuffers.toFixed(1)} → ${endMem.arrayBuffers.toFixed(1)} MB |`);
console.log(`| console | ${messages} messages, ${(bytes / 2 ** 20).toFixed(0)} MB, ${events} events (${(events / (simH * 3600)).toFixed(3)} events per simulated s) |`);
console.log(`| disk full ${faultMin} min mid-day | console saw ${storageSeen.join(', ') || 'nothing'}; lost ${recovered.map((n) => `${n.store} ${n.lost.records} records/${n.lost.bytes} bytes`).join(', ') || '—'} |`);
console.log(`| day | ${r.sorties_flown}/${r.sorties_planned} sorties flown, patrol ${r.patrol_minutes_covered}/${r.patrol_minutes_required} min, school windows ${r.school_windows_covered}/${r.school_windows_total} |`);
console.log(`| unhandled rejections / uncaught exceptions | ${rejections} / ${exceptions} |`);
process.exitCode = rejections + exceptions > 0 ? 1 : 0;
