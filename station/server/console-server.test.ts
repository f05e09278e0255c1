import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { SystemClock } from '../../common/clock.js';
import type { ActualMessage, ServerMessage, StationEvent } from '../../common/api/contract.js';
import { startConsoleServer, type ConsoleServer } from './console-server.js';
import { openMbtiles } from './mbtiles.js';
import { loadPlanDir } from './plan-dir.js';
import { signIn, testAuth, withSession } from '../../tests/sign-in.js';

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function mbtiles(): Promise<string> {
  const require = createRequire(import.meta.url);
  const SQL = await initSqlJs({ locateFile: (f) => require.resolve(`sql.js/dist/${f}`) });
  const db = new SQL.Database();
  db.run('CREATE TABLE metadata (name TEXT, value TEXT); CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);');
  db.run("INSERT INTO metadata VALUES ('name', 'unit'), ('format', 'png'), ('minzoom', '14'), ('maxzoom', '14'), ('bounds', '118.2,24.5,118.3,24.6')");
  // XYZ 14/13574/7022 is TMS row 2^14 − 1 − 7022 = 9361.
  db.run('INSERT INTO tiles VALUES (14, 13574, 9361, ?)', [new Uint8Array([137, 80, 78, 71, 1, 2, 3])]);
  const file = join(mkdtempSync(join(tmpdir(), 'kx-mbtiles-')), 't.mbtiles');
  writeFileSync(file, db.export());
  db.close();
  return file;
}

function planDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kx-plan-'));
  const s = { id: 'P001', kind: 'patrol', drone: 'JH-01', dock: 'd', launch: '2026-11-24T00:00:00+08:00', on_station: '2026-11-24T00:01:30+08:00', off_station: '2026-11-24T00:21:30+08:00', land: '2026-11-24T00:23:00+08:00', plan: 'sorties/P001.plan', targets: [] };
  writeFileSync(join(dir, 'schedule.json'), JSON.stringify({ station: 'jinhai', date: '2026-11-24', timezone: 'Asia/Shanghai', fleet_lower_bound: 3, sorties: [s], gaps: [] }));
  writeFileSync(join(dir, 'routes.geojson'), JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { id: 'P001' }, geometry: { type: 'LineString', coordinates: [[118.26, 24.59, 60], [118.27, 24.6, 60]] } }] }));
  return dir;
}

async function start(extra: { tiles?: Awaited<ReturnType<typeof openMbtiles>>; actual?: () => ActualMessage } = {}): Promise<{ server: ConsoleServer; emit(e: StationEvent): void; cookie: string }> {
  const auth = testAuth(mkdtempSync(join(tmpdir(), 'kx-data-')));
  closers.push(() => auth.close());
  await auth.addUser('pilot', 'pilot', 'correct horse battery');
  const listeners = new Set<(e: StationEvent) => void>();
  const plan = loadPlanDir(planDir());
  if (!plan.ok) throw new Error(plan.reason);
  const tiles = extra.tiles?.ok ? extra.tiles.value : undefined;
  const r = await startConsoleServer({
    clock: new SystemClock(),
    auth,
    staticDir: mkdtempSync(join(tmpdir(), 'kx-static-')),
    port: 0,
    ...(tiles ? { tiles } : {}),
    source: {
      hello: () => ({ type: 'hello', station: 'jinhai', geography: null, simulated: true, version: 't', tiles: tiles?.info ?? null }),
      snapshot: () => ({ type: 'snapshot', atMs: 1, station: 'jinhai', simulated: true, vehicles: [] }),
      onEvent: (cb) => {
        listeners.add(cb);
        return () => listeners.delete(cb);
      },
      command: async () => ({ ok: false, result: 'denied', reason: 'Arm: Need Position Estimate' }),
      plan: () => plan.value,
      ...(extra.actual ? { actual: extra.actual } : {}),
    },
  });
  if (!r.ok) throw new Error(r.reason);
  closers.push(() => r.value.close());
  return { server: r.value, emit: (e) => listeners.forEach((l) => l(e)), cookie: await signIn(r.value.url, 'pilot') };
}

function collect(url: string, n: number, cookie: string): Promise<{ msgs: ServerMessage[]; ws: WebSocket }> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}ws`, withSession(cookie));
  closers.push(() => ws.close());
  const msgs: ServerMessage[] = [];
  return new Promise((resolve) => {
    ws.on('message', (d) => {
      msgs.push(JSON.parse(String(d)) as ServerMessage);
      if (msgs.length === n) resolve({ msgs, ws });
    });
  });
}

describe('console server', () => {
  it('serves MBTiles tiles at XYZ coordinates (TMS rows flipped), 204 where the file has none', async () => {
    const tiles = await openMbtiles(await mbtiles());
    expect(tiles.ok && tiles.value.info).toEqual({ name: 'unit', format: 'png', minZoom: 14, maxZoom: 14, bounds: [118.2, 24.5, 118.3, 24.6] });
    const { server, cookie } = await start({ tiles });
    const hit = await fetch(`${server.url}tiles/14/13574/7022`, withSession(cookie));
    expect(hit.status).toBe(200);
    expect(hit.headers.get('content-type')).toBe('image/png');
    expect([...new Uint8Array(await hit.arrayBuffer())]).toEqual([137, 80, 78, 71, 1, 2, 3]);
    expect((await fetch(`${server.url}tiles/14/13574/7023`, withSession(cookie))).status).toBe(204);
  });

  it('refuses a file that is not MBTiles, naming it', async () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'kx-bad-')), 'x.mbtiles');
    writeFileSync(bad, 'not sqlite');
    const r = await openMbtiles(bad);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain('x.mbtiles');
  });

  it('sends hello, the day plan, a snapshot and the recent events to a console that connects', async () => {
    const { server, emit, cookie } = await start();
    emit({ atMs: 5, sysid: 11, kind: 'vehicle-lost', severity: 'alert', text: 'JH-01: link lost', args: { drone: 'JH-01' } });
    const { msgs } = await collect(server.url, 4, cookie);
    expect(msgs.map((m) => m.type)).toEqual(['hello', 'plan', 'snapshot', 'event']);
    // The hello tells the console who it is.
    expect((msgs[0] as Extract<ServerMessage, { type: 'hello' }>).who).toEqual({ user: 'pilot', role: 'pilot' });
    const plan = msgs[1] as Extract<ServerMessage, { type: 'plan' }>;
    expect(plan.schedule.sorties[0]!.id).toBe('P001');
    expect(plan.routes).toEqual([{ id: 'P001', coords: [[118.26, 24.59], [118.27, 24.6]] }]);
  });

  it('sends what happened (the runner\'s records) after the plan, and again when it changes', async () => {
    let actual: ActualMessage = { type: 'actual', runner: true, sorties: [], flights: [] };
    const { server, cookie } = await start({ actual: () => actual });
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}ws`, withSession(cookie));
    closers.push(() => ws.close());
    const got: ActualMessage[] = [];
    let changed = false;
    await new Promise<void>((resolve) =>
      ws.on('message', (d) => {
        const m = JSON.parse(String(d)) as ServerMessage;
        if (m.type !== 'actual') return;
        got.push(m);
        if (!changed) {
          changed = true;
          actual = { ...actual, flights: [{ id: 'f~1', drone: 'JH-01', sysid: 11, startMs: 1, endMs: 2, truncated: false }] };
        } else resolve();
      }),
    );
    expect(got.map((m) => m.flights.length)).toEqual([0, 1]);
  });

  it('answers a command with its result and the reason as the drone gave it', async () => {
    const { server, cookie } = await start();
    const { ws } = await collect(server.url, 3, cookie);
    const reply = new Promise<ServerMessage>((resolve) =>
      ws.on('message', (d) => {
        const m = JSON.parse(String(d)) as ServerMessage;
        if (m.type === 'result') resolve(m);
      }),
    );
    ws.send(JSON.stringify({ type: 'command', requestId: 'r1', sysid: 11, command: 'arm' }));
    expect(await reply).toEqual({ type: 'result', requestId: 'r1', ok: false, result: 'denied', reason: 'Arm: Need Position Estimate' });
  });

  it('refuses a plan directory without schedule.json, naming the file', () => {
    const r = loadPlanDir(mkdtempSync(join(tmpdir(), 'kx-empty-')));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain('schedule.json');
  });
});
