/**
 * The per-drone parameter cache on disk: DATA/params/sys<sysid>.json holds the last full set read from a
 * vehicle and the fingerprint it was read under:
 *   sysid + AUTOPILOT_VERSION (flight_sw_version, flight_custom_version = the firmware's git hash, uid/uid2 =
 *   the board) + param_count + a hash of every name, type and value.
 * Reuse (params.ts): the identity and param_count must match (PARAM_REQUEST_READ of index 0 gives the
 * count), and a sample of parameters read back from the vehicle must equal the cached values. ArduPilot has
 * no whole-set hash (PX4's `_HASH_CHECK` is not implemented there), so a change made by another GCS to a
 * parameter outside the sample goes unnoticed: values set through this station are written through to the
 * cache, and `--no-cache` forces a download.
 */
import { readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Param } from '../../mavlink/services/param/types.js';
import type { VehicleIdentity } from './file-link.js';
import { writeFileAtomic } from '../storage/atomic-file.js';

export interface CacheFingerprint {
  sysid: number;
  flightSwVersion: number;
  flightCustom: string;
  uid: string;
  count: number;
}

export interface CachedParams {
  version: 1;
  fingerprint: CacheFingerprint;
  hash: string;
  savedAtMs: number;
  params: [string, number, number][];
}

export function fingerprintOf(sysid: number, id: VehicleIdentity, count: number): CacheFingerprint {
  return { sysid, flightSwVersion: id.flightSwVersion, flightCustom: id.flightCustom, uid: id.uid, count };
}

export function sameFingerprint(a: CacheFingerprint, b: CacheFingerprint): boolean {
  return a.sysid === b.sysid && a.flightSwVersion === b.flightSwVersion && a.flightCustom === b.flightCustom && a.uid === b.uid && a.count === b.count;
}

/** FNV-1a over name, type and float32 bits of every parameter, as hex. */
export function paramsHash(params: readonly Param[]): string {
  let h = 0x811c9dc5;
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  const mix = (x: number): void => {
    h ^= x & 0xff;
    h = Math.imul(h, 0x01000193) >>> 0;
  };
  for (const p of params) {
    for (let i = 0; i < p.name.length; i++) mix(p.name.charCodeAt(i));
    mix(p.type);
    f[0] = p.value;
    const b = u[0]!;
    mix(b);
    mix(b >>> 8);
    mix(b >>> 16);
    mix(b >>> 24);
  }
  return h.toString(16).padStart(8, '0');
}

export function cachePath(dataDir: string, sysid: number): string {
  return join(dataDir, 'params', `sys${sysid}.json`);
}

export async function loadCache(dataDir: string, sysid: number): Promise<CachedParams | undefined> {
  try {
    return parseCache(await readFile(cachePath(dataDir, sysid), 'utf8'));
  } catch {
    return undefined;
  }
}

/** The cache read at once (a Vehicle's start: the parameters the console's planner reads); undefined when absent, too large or not valid. */
export function loadCacheSync(dataDir: string, sysid: number): CachedParams | undefined {
  try {
    const path = cachePath(dataDir, sysid);
    if (statSync(path).size > MAX_CACHE_BYTES) return undefined;
    return parseCache(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/** A full ArduCopter set is about 1 300 parameters, some 40 kB as JSON. */
const MAX_CACHE_BYTES = 4_000_000;

function parseCache(text: string): CachedParams | undefined {
  try {
    const c = JSON.parse(text) as CachedParams;
    if (c.version !== 1 || !Array.isArray(c.params)) return undefined;
    const params = c.params.map(([name, value, type]) => ({ name, value, type }));
    // A cache whose content does not match its own hash (edited or torn) is not used.
    return paramsHash(params) === c.hash ? c : undefined;
  } catch {
    return undefined;
  }
}

export async function saveCache(dataDir: string, fingerprint: CacheFingerprint, params: readonly Param[], nowMs: number): Promise<void> {
  const path = cachePath(dataDir, fingerprint.sysid);
  const c: CachedParams = { version: 1, fingerprint, hash: paramsHash(params), savedAtMs: nowMs, params: params.map((p) => [p.name, p.value, p.type]) };
  // Whole or not at all (storage/atomic-file.ts); a cache that cannot be written is only a slower next start.
  const w = await writeFileAtomic(path, JSON.stringify(c));
  if (!w.ok) throw new Error(w.reason);
}

export function cachedParams(c: CachedParams): Param[] {
  return c.params.map(([name, value, type]) => ({ name, value, type }));
}
