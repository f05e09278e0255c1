/**
 * What a drone's flights taught about its battery (battery-estimate.ts), kept per drone in
 * DATA/battery/sys<sysid>.json. The file is read once when the drone appears and written during a flight (a
 * checkpoint each CHECKPOINT_MS of flight), when it ends, and when the station stops (vehicle.ts); it is checked on reading as any input is (size, shape, every figure finite and in range): a file that fails
 * is not used — the drone learns afresh and the reason is reported.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok, type Result } from '../../common/result.js';
import { writeFileAtomic } from '../storage/atomic-file.js';
import { BAND_MEMORY_STEPS, BANDS, MODEL_TAU_S, type BatteryModel } from './battery-estimate.js';
import { validCapacityMah } from './battery-prior.js';

/**
 * In the air the model is written every minute of flight (frame time). Why a minute: a % step of a patrol
 * drone takes 30–40 s, so a minute holds one or two of the 30 steps a band remembers — what a station killed
 * mid-flight can lose — and a write a minute per flying drone (a few hundred bytes, flushed) is nothing to the
 * disk. The flight power changes with every reading, so "changed meaningfully" would be every minute anyway.
 */
export const CHECKPOINT_MS = 60_000;

/** A model is a few hundred bytes; anything much larger is not one. */
const MAX_BYTES = 16 * 1024;
/** Wh per % and watts beyond these are no battery a patrol drone carries. */
const MAX_WH_PER_PCT = 1000;
const MAX_W = 100_000;

export function batteryModelPath(dataDir: string, sysid: number): string {
  return join(dataDir, 'battery', `sys${sysid}.json`);
}

const inRange = (x: unknown, lo: number, hi: number): x is number => typeof x === 'number' && Number.isFinite(x) && x >= lo && x <= hi;
const powerOk = (x: unknown): boolean => x === null || (inRange(x, 0, MAX_W) && x > 0);

/** A parsed file → a model, or why not. */
export function parseBatteryModel(text: string): Result<BatteryModel> {
  if (text.length > MAX_BYTES) return err('too-large', `${text.length} bytes (at most ${MAX_BYTES})`);
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (e) {
    return err('not-json', (e as Error).message);
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return err('shape', 'not an object');
  const m = o as Record<string, unknown>;
  if (m['version'] !== 1) return err('version', `version ${JSON.stringify(m['version'])}, expected 1`);
  const w = m['whPerPct'], n = m['steps'];
  if (!Array.isArray(w) || w.length !== BANDS) return err('shape', `whPerPct: expected ${BANDS} bands`);
  if (!Array.isArray(n) || n.length !== BANDS) return err('shape', `steps: expected ${BANDS} bands`);
  for (let i = 0; i < BANDS; i++) {
    if (w[i] !== null && !(inRange(w[i], 0, MAX_WH_PER_PCT) && (w[i] as number) > 0)) return err('range', `whPerPct[${i}] = ${JSON.stringify(w[i])}`);
    if (!inRange(n[i], 0, BAND_MEMORY_STEPS)) return err('range', `steps[${i}] = ${JSON.stringify(n[i])}`);
    if ((w[i] === null) !== (n[i] === 0)) return err('range', `band ${i}: a figure needs steps and steps a figure`);
  }
  for (const k of ['flightW', 'hoverW', 'cruiseW'] as const) if (!powerOk(m[k])) return err('range', `${k} = ${JSON.stringify(m[k])}`);
  for (const k of ['flightS', 'hoverS', 'cruiseS'] as const) if (!inRange(m[k], 0, MODEL_TAU_S)) return err('range', `${k} = ${JSON.stringify(m[k])}`);
  // Optional (a file written before it was kept stays valid): the BATT_CAPACITY the bands were learned under.
  const cap = m['capacityMah'];
  if (cap !== undefined && cap !== null && validCapacityMah(typeof cap === 'number' ? cap : Number.NaN) === null) return err('range', `capacityMah = ${JSON.stringify(cap)}`);
  return ok({
    version: 1,
    whPerPct: (w as (number | null)[]).slice(),
    steps: (n as number[]).slice(),
    flightW: m['flightW'] as number | null, hoverW: m['hoverW'] as number | null, cruiseW: m['cruiseW'] as number | null,
    flightS: m['flightS'] as number, hoverS: m['hoverS'] as number, cruiseS: m['cruiseS'] as number,
    ...(typeof cap === 'number' ? { capacityMah: cap } : {}),
  });
}

/** The drone's model from the data folder: undefined when it has none yet, or why the file was not used. */
export function loadBatteryModel(dataDir: string, sysid: number): Result<BatteryModel | undefined> {
  const path = batteryModelPath(dataDir, sysid);
  let text: string;
  try {
    const st = statSync(path);
    if (!st.isFile()) return err('not-a-file', `${path} is not a file`);
    if (st.size > MAX_BYTES) return err('too-large', `${path}: ${st.size} bytes (at most ${MAX_BYTES})`);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return ok(undefined);
    return err('unreadable', `${path}: ${(e as Error).message}`);
  }
  const m = parseBatteryModel(text);
  return m.ok ? m : err(m.code, `${path}: ${m.reason}`);
}

/** Write the model beside, flushed, and put it in place (storage/atomic-file.ts: a kill mid-write never leaves half a file). */
export function saveBatteryModel(dataDir: string, sysid: number, model: BatteryModel): Promise<Result<void>> {
  return writeFileAtomic(batteryModelPath(dataDir, sysid), JSON.stringify(model));
}
