/**
 * What the end-to-end specs share: a `kongxun serve` on the built-in simulated fleet (3 s warm-up), a day
 * plan written around the current time, and a tiny MBTiles file of plain PNG tiles over the sample station.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import initSqlJs from 'sql.js';
import { item } from '../../missions/formats/items.js';
import { toPlan } from '../../missions/formats/qgc-plan.js';
import { addTestUser } from '../sign-in.js';
import type { Role } from '../../station/gateway/principal.js';

export interface Served {
  url: string;
  proc: ChildProcess;
  /** The station's data folder (tlogs, video recordings, accounts). */
  data: string;
  /** The one-time first-administrator link, when the station started without users (`users: []`). */
  setupUrl: string | undefined;
  stop(): void;
}

/** The accounts an e2e station has, one per role, named as the role, password TEST_PASSWORD (tests/sign-in.ts). */
export const E2E_ROLES: Role[] = ['pilot', 'dispatcher', 'viewer', 'reviewer', 'admin'];

export async function serve(args: string[] = [], o: { users?: Role[]; prepare?: (data: string) => void } = {}): Promise<Served> {
  const data = mkdtempSync(join(tmpdir(), 'kongxun-e2e-'));
  o.prepare?.(data);
  for (const role of o.users ?? E2E_ROLES) await addTestUser(data, role);
  const proc = spawn(process.execPath, ['bin/kongxun.mjs', 'serve', '--port', '0', '--data', data, '--sim-warmup', '3', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const noUsers = (o.users ?? E2E_ROLES).length === 0;
  const [url, setupUrl] = await new Promise<[string, string | undefined]>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve printed no URL: ${out}`)), 60_000);
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /console at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      const setup = /(http:\/\/127\.0\.0\.1:\d+\/setup\?token=[\w-]+)/.exec(out);
      if (m && (!noUsers || setup)) {
        clearTimeout(timer);
        resolve([m[1]!, setup?.[1]]);
      }
    });
    proc.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
  return { url, proc, data, setupUrl, stop: () => proc.kill('SIGTERM') };
}

/**
 * Today's plan of the sample station (station time, +08:00) as `kongxun plan` writes it, into a new temp folder;
 * `daysAhead` plans a later day instead (its first sortie starts at 23:58 the day before it), for a runner whose
 * drones must all be free now, whatever the time of day.
 */
export function planToday(name: string, daysAhead = 0): string {
  const dir = mkdtempSync(join(tmpdir(), `kongxun-${name}-`));
  const date = new Date(Date.now() + 8 * 3_600_000 + daysAhead * 86_400_000).toISOString().slice(0, 10);
  try {
    execFileSync(process.execPath, ['bin/kongxun.mjs', 'plan', '--station', 'resources/samples/jinhai.geojson', '--fleet', 'resources/samples/fleet.json', '--date', date, '--out', dir], { stdio: 'pipe' });
  } catch (e) {
    // Exit 3: written, with gaps — still a day to run.
    if ((e as { status?: number }).status !== 3) throw e;
  }
  return dir;
}

const iso = (ms: number) => {
  // Station time (+08:00), as the planner writes it.
  const d = new Date(ms + 8 * 3_600_000);
  return `${d.toISOString().slice(0, 19)}+08:00`;
};

/** A day plan of JH-01..JH-03 around now: two sorties done, one flying, later ones planned, one gap. */
export function writePlan(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kongxun-plan-'));
  const now = Date.now();
  const day0 = Math.floor((now + 8 * 3_600_000) / 86_400_000) * 86_400_000 - 8 * 3_600_000;
  const date = new Date(day0 + 8 * 3_600_000).toISOString().slice(0, 10);
  const sorties = [];
  const routes = [];
  const min = 60_000;
  // Patrols every 20 min over the whole day, round-robin over three drones, each 20 min on station.
  for (let i = 0; i < 72; i++) {
    const on = day0 + i * 20 * min;
    const id = `P${String(i + 1).padStart(3, '0')}`;
    sorties.push({
      id, kind: 'patrol', drone: `JH-0${(i % 3) + 1}`, dock: 'dock-station',
      launch: iso(on - 1.5 * min), on_station: iso(on), off_station: iso(on + 20 * min), land: iso(on + 21.5 * min),
      plan: `sorties/${id}.plan`, targets: ['line-jinhai'],
    });
    routes.push({
      type: 'Feature', properties: { id },
      geometry: { type: 'LineString', coordinates: [[118.258, 24.585, 60], [118.262, 24.598, 60], [118.272, 24.596, 60], [118.268, 24.584, 60], [118.258, 24.585, 60]] },
    });
  }
  const at = (hhmm: string) => `${date}T${hhmm}:00+08:00`;
  sorties.push({ id: 'S001', kind: 'school', drone: 'JH-04', dock: 'dock-kiosk', launch: at('07:20'), on_station: at('07:25'), off_station: at('08:00'), land: at('08:03'), plan: 'sorties/S001.plan', targets: ['school-1'] });
  const schedule = {
    station: 'jinhai', date, timezone: 'Asia/Shanghai', fleet_lower_bound: 3, sorties,
    gaps: [{ kind: 'school', target: 'school-2', from: at('07:25'), to: at('07:40'), reason: 'no drone free' }],
  };
  writeFileSync(join(dir, 'schedule.json'), JSON.stringify(schedule, null, 1));
  writeFileSync(join(dir, 'routes.geojson'), JSON.stringify({ type: 'FeatureCollection', features: routes }));
  mkdirSync(join(dir, 'sorties'));
  // P001's mission as a QGroundControl .plan: take off from the station dock, fly the loop, return.
  const loop = routes[0]!.geometry.coordinates;
  const mission = {
    home: { lat: 24.5855, lon: 118.2575, altM: 0 },
    cruiseMps: 10,
    hoverMps: 5,
    items: [item.takeoff(24.5855, 118.2575, 60), ...loop.map(([lon, lat]) => item.waypoint(lat!, lon!, 60)), item.rtl()],
  };
  writeFileSync(join(dir, 'sorties', 'P001.plan'), JSON.stringify(toPlan(mission), null, 2));
  return dir;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td) >>> 0);
  return Buffer.concat([len, td, crc]);
}

/** A 256×256 RGB PNG: a pale land colour with a road grid, so offline tiles are visible in screenshots. */
export function tilePng(seed: number): Buffer {
  const w = 256;
  const raw = Buffer.alloc((w * 3 + 1) * w);
  for (let y = 0; y < w; y++) {
    raw[y * (w * 3 + 1)] = 0;
    for (let x = 0; x < w; x++) {
      const road = x % 64 < 3 || (y + seed * 7) % 64 < 3;
      const o = y * (w * 3 + 1) + 1 + x * 3;
      raw[o] = road ? 250 : 58;
      raw[o + 1] = road ? 250 : 70;
      raw[o + 2] = road ? 240 : 86;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(w, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

export function tileXY(latDeg: number, lonDeg: number, z: number): { x: number; y: number } {
  const n = 2 ** z;
  const r = (latDeg * Math.PI) / 180;
  return { x: Math.floor(((lonDeg + 180) / 360) * n), y: Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n) };
}

/** A tiny MBTiles file (zooms 12–16 around the sample station), made with sql.js as the station reads it. */
export async function writeMbtiles(): Promise<string> {
  const require = createRequire(import.meta.url);
  const SQL = await initSqlJs({ locateFile: (f) => require.resolve(`sql.js/dist/${f}`) });
  const db = new SQL.Database();
  db.run('CREATE TABLE metadata (name TEXT, value TEXT); CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);');
  for (const [k, v] of [['name', 'e2e-jinhai'], ['format', 'png'], ['minzoom', '12'], ['maxzoom', '16'], ['bounds', '118.24,24.57,118.29,24.61']]) db.run('INSERT INTO metadata VALUES (?, ?)', [k!, v!]);
  for (let z = 12; z <= 16; z++) {
    const a = tileXY(24.615, 118.235, z);
    const b = tileXY(24.565, 118.295, z);
    for (let x = a.x; x <= b.x; x++)
      for (let y = a.y; y <= b.y; y++) db.run('INSERT INTO tiles VALUES (?, ?, ?, ?)', [z, x, 2 ** z - 1 - y, tilePng(x + y)]);
  }
  const file = join(mkdtempSync(join(tmpdir(), 'kongxun-tiles-')), 'jinhai.mbtiles');
  writeFileSync(file, db.export());
  db.close();
  return file;
}
