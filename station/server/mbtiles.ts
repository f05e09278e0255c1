// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- sql.js ships no types; electron/tsconfig.json compiles this file without the folder
/// <reference path="./sql-js-types.d.ts" />
/**
 * Offline basemap: an MBTiles file (SQLite, https://github.com/mapbox/mbtiles-spec) read with sql.js.
 *
 * Why sql.js: node:sqlite is not in Node 20, and better-sqlite3 needs a native build or a prebuilt binary
 * downloaded from GitHub at install time, which isolated police networks (and our build machines) cannot
 * reach. sql.js is SQLite compiled to WebAssembly inside its npm package: nothing to build or download, the
 * same SQLite, and a command-room basemap of a 20 km² jurisdiction (tens of MB) fits in memory.
 *
 * MBTiles rows use TMS y (origin south); Leaflet asks XYZ y (origin north): y_tms = 2^z − 1 − y.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import initSqlJs, { type Database, type Statement } from 'sql.js';
import { err, ok, type Result } from '../../common/result.js';
import type { TilesInfo } from '../../common/api/contract.js';
import { nodeRequire } from '../node-require.js';

export interface TileSource {
  info: TilesInfo;
  /** The tile at XYZ z/x/y, or undefined when the file has none. */
  tile(z: number, x: number, y: number): Uint8Array | undefined;
  close(): void;
}

function metadata(db: Database): Map<string, string> {
  const m = new Map<string, string>();
  for (const r of db.exec('SELECT name, value FROM metadata')[0]?.values ?? []) m.set(String(r[0]), String(r[1]));
  return m;
}

export async function openMbtiles(file: string): Promise<Result<TileSource>> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    return err('tiles-unreadable', `--tiles ${file}: cannot read (${(e as Error).message})`);
  }
  const req = nodeRequire();
  const SQL = await initSqlJs({ locateFile: (f) => req.resolve(`sql.js/dist/${f}`) });
  let db: Database;
  let stmt: Statement;
  let meta: Map<string, string>;
  try {
    db = new SQL.Database(bytes);
    meta = metadata(db);
    stmt = db.prepare('SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?');
  } catch (e) {
    return err('tiles-invalid', `--tiles ${file}: not an MBTiles file (${(e as Error).message})`);
  }
  const zooms = db.exec('SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles')[0]?.values[0] ?? [];
  const fmt = (meta.get('format') ?? 'png').toLowerCase();
  const format: TilesInfo['format'] = fmt === 'jpg' || fmt === 'jpeg' ? 'jpg' : fmt === 'webp' ? 'webp' : 'png';
  if (fmt === 'pbf') return err('tiles-vector', `--tiles ${file}: vector tiles (pbf) are not supported; give a raster MBTiles file`);
  const b = (meta.get('bounds') ?? '').split(',').map(Number);
  const bounds = b.length === 4 && b.every((v) => Number.isFinite(v)) ? (b as [number, number, number, number]) : null;
  const info: TilesInfo = {
    name: meta.get('name') ?? basename(file),
    format,
    minZoom: Number(meta.get('minzoom') ?? zooms[0] ?? 0),
    maxZoom: Number(meta.get('maxzoom') ?? zooms[1] ?? 18),
    bounds,
  };
  return ok({
    info,
    tile: (z, x, y) => {
      const row = 2 ** z - 1 - y;
      try {
        stmt.bind([z, x, row]);
        return stmt.step() ? (stmt.get()[0] as Uint8Array) : undefined;
      } finally {
        stmt.reset();
      }
    },
    close: () => {
      stmt.free();
      db.close();
    },
  });
}
