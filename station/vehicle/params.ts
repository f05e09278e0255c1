/**
 * Parameters of one vehicle, for the station and `kongxun params`: pull the whole set (from the cache when
 * the vehicle's parameters did not change, else over MAVFTP as @PARAM/param.pck when the autopilot offers it,
 * else with the list protocol), read and set one parameter with read-back.
 *
 *  pull:  AUTOPILOT_VERSION ─► cache valid? (identity, param_count, sampled values) ─yes─► cache
 *                                   │ no
 *                                   ├─ flying ─► refused (a full download takes the radio for seconds to minutes)
 *                                   ├─ MAVFTP (capability bit and quirks.paramPck, or --via ftp) ─ok─► save cache
 *                                   │     └ failed and --via auto ─► list
 *                                   └─ list (PARAM_REQUEST_LIST + re-requests) ─► save cache
 *  set:   type from the cache or a read ─► range check ─► PARAM_SET ─► echo equal? ─► write through to cache
 */
import { checkParams } from '../../mavlink/services/param/checked.js';
import { drive } from '../../mavlink/services/driver.js';
import { decodePacked } from '../../mavlink/services/param/packed.js';
import { createParamList, paramListMachine, type ParamListStats } from '../../mavlink/services/param/list.js';
import { createParamOne, paramOneMachine, type ParamOneResult, type ParamOneSpec } from '../../mavlink/services/param/set.js';
import { PARAM_TYPE_NAMES, fitsType, normalise, sameValue, typeRange, type Param } from '../../mavlink/services/param/types.js';
import { err, ok, type Result } from '../../common/result.js';
import { cachedParams, fingerprintOf, loadCache, sameFingerprint, saveCache, type CacheFingerprint } from './params-cache.js';
import { CAP_FTP, type VehicleFileLink, type VehicleIdentity } from './file-link.js';


/** The overall deadline of a PARAM_REQUEST_LIST pull (about 1 000 parameters take 10–30 s over a radio). */
export const PARAM_LIST_DEADLINE_MS = 5 * 60_000;
export type PullVia = 'auto' | 'ftp' | 'list';
export type ParamErrorCode = 'flying' | 'timeout' | 'no-ftp' | 'ftp-failed' | 'bad-file' | 'cancelled' | 'unknown-param' | 'mismatch' | 'bad-value';

export interface PullOptions {
  via?: PullVia;
  /** Use a valid cache (default true). */
  cache?: boolean;
  /** Parameters read back to validate the cache. Default 8. */
  samples?: number;
  onProgress?: (pct: number, what: string) => void;
}

export interface PullResult {
  params: Param[];
  via: 'ftp' | 'list' | 'cache';
  elapsedMs: number;
  fingerprint: CacheFingerprint | undefined;
  /** Things the user should know (fallbacks, cache not saved, …). */
  notes: string[];
  /** Parameters the vehicle sent that were refused and left out (a name that is not one, a value NaN/±Infinity), each named. */
  refused: string[];
  ftpStats?: { bytes: number; resent: number; gapReads: number };
  listStats?: ParamListStats;
}

export class ParamService {
  private cancelCurrent: (() => void) | undefined;

  constructor(private readonly v: VehicleFileLink) {}

  private get target(): { sysid: number; compid: number } {
    return { sysid: this.v.vehicle.sysid, compid: this.v.vehicle.compid };
  }

  private one(spec: ParamOneSpec, encoding: 'cast' | 'bytewise'): Promise<ParamOneResult> {
    const { clock, link } = this.v.vehicle;
    const r = drive(paramOneMachine, createParamOne(this.target, spec, { encoding, ...(this.v.rttMs ? { timeoutMs: Math.max(1000, 3 * this.v.rttMs + 500) } : {}) }), { clock, link });
    this.cancelCurrent = r.cancel;
    return r.result;
  }

  /** Stop the transfer in progress (list, read, set, or the MAVFTP read of param.pck). */
  cancel(): void {
    this.cancelCurrent?.();
    this.v.ftp.cancel();
  }

  /** Is the cached set still the vehicle's? Reads param_count (index 0) and a spread of samples. */
  private async validCache(id: VehicleIdentity, samples: number, enc: 'cast' | 'bytewise'): Promise<{ params: Param[]; fingerprint: CacheFingerprint } | undefined> {
    const { dataDir } = this.v;
    const { sysid } = this.v.vehicle;
    const c = await loadCache(dataDir, sysid);
    if (!c) return undefined;
    const first = await this.one({ kind: 'read-index', index: 0 }, enc);
    if (!first.ok) return undefined;
    const fp = fingerprintOf(sysid, id, first.count);
    if (!sameFingerprint(fp, c.fingerprint)) return undefined;
    const params = cachedParams(c);
    const n = params.length;
    const picks = new Set<number>([0, n - 1]);
    for (let k = 1; picks.size < Math.min(n, samples); k++) picks.add(Math.floor((k * 0.618034 * n) % n));
    for (const i of picks) {
      const p = i === 0 ? first : await this.one({ kind: 'read-index', index: i }, enc);
      const want = params[i]!;
      if (!p.ok || p.param.name !== want.name || !sameValue(want.type, want.value, p.param.value)) return undefined;
    }
    return { params, fingerprint: fp };
  }

  async pull(o: PullOptions = {}): Promise<Result<PullResult, ParamErrorCode>> {
    const t0 = this.v.vehicle.clock.now();
    const via = o.via ?? 'auto';
    const notes: string[] = [];
    const sysid = this.v.vehicle.sysid;
    const id = await this.v.identity();
    if (!id) notes.push(`sys${sysid} did not answer AUTOPILOT_VERSION: no cache, no MAVFTP`);
    const enc = this.v.encoding(id);
    if (id && o.cache !== false) {
      o.onProgress?.(0, 'checking the cache');
      const hit = await this.validCache(id, o.samples ?? 8, enc);
      if (hit) {
        const c = checkParams(hit.params);
        this.v.paramsRead?.(c.params, true);
        return ok({ params: c.params, via: 'cache', elapsedMs: this.v.vehicle.clock.now() - t0, fingerprint: hit.fingerprint, notes, refused: c.refused });
      }
    }
    const flying = this.v.flyingReason();
    if (flying) return err('flying', `no full parameter download while flying: ${flying}`);

    let params: Param[] | undefined;
    let used: 'ftp' | 'list' = 'list';
    const extra: Pick<PullResult, 'ftpStats' | 'listStats'> = {};
    const ftpOffered = id !== undefined && (id.capabilities & CAP_FTP) !== 0n && this.v.quirks.paramPck;
    if (via === 'ftp' || (via === 'auto' && ftpOffered)) {
      if (via === 'ftp' && id && (id.capabilities & CAP_FTP) === 0n) return err('no-ftp', `sys${sysid} does not offer MAVFTP (AUTOPILOT_VERSION capabilities lack MAV_PROTOCOL_CAPABILITY_FTP)`);
      const r = await this.v.ftp.read({ path: '@PARAM/param.pck' }, (pct) => o.onProgress?.(pct, 'MAVFTP @PARAM/param.pck'));
      if (r.ok) {
        const d = decodePacked(r.data);
        if (d.ok) {
          params = d.file.params.map((p) => ({ name: p.name, value: p.value, type: p.type }));
          used = 'ftp';
          extra.ftpStats = { bytes: r.data.length, resent: r.stats.resent, gapReads: r.stats.gapReads };
          if (d.file.count !== d.file.total) notes.push(`param.pck holds ${d.file.count} of ${d.file.total} parameters`);
        } else if (via === 'ftp') return err('bad-file', `sys${sysid}: @PARAM/param.pck: ${d.reason}`);
        else notes.push(`@PARAM/param.pck unreadable (${d.reason}); used the list protocol`);
      } else if (r.failure === 'cancelled') return err('cancelled', r.reason);
      else if (via === 'ftp') return err('ftp-failed', `sys${sysid}: ${r.reason}`);
      else notes.push(`MAVFTP failed (${r.reason}); used the list protocol`);
    }
    if (!params) {
      const { clock, link } = this.v.vehicle;
      const run = drive(paramListMachine, createParamList(this.target, { encoding: enc }), {
        clock,
        link,
        onProgress: (pct) => o.onProgress?.(pct, 'PARAM_REQUEST_LIST'),
        // A vehicle that trickles or never completes its list cannot hold the pull (and the drone's queue).
        deadlineMs: PARAM_LIST_DEADLINE_MS,
      });
      this.cancelCurrent = run.cancel;
      const r = await run.result;
      if (!r.ok) return err(r.failure === 'cancelled' ? 'cancelled' : 'timeout', `sys${sysid}: ${r.reason}`);
      params = r.params;
      used = 'list';
      extra.listStats = r.stats;
    }
    const elapsedMs = this.v.vehicle.clock.now() - t0;
    // Names and values are the vehicle's word: refuse (naming them) what a .parm or a screen cannot hold.
    const checked = checkParams(params);
    const refused = checked.refused;
    params = checked.params;
    let fingerprint: CacheFingerprint | undefined;
    if (id) {
      fingerprint = fingerprintOf(sysid, id, params.length);
      try {
        await saveCache(this.v.dataDir, fingerprint, params, this.v.vehicle.clock.now());
      } catch (e) {
        notes.push(`cache not saved: ${(e as Error).message}`);
      }
    }
    this.v.paramsRead?.(params, true);
    return ok({ params, via: used, elapsedMs, fingerprint, notes, refused, ...extra });
  }

  /** Read one parameter by name. */
  async read(name: string): Promise<Result<Param, ParamErrorCode>> {
    const r = await this.one({ kind: 'read', name }, this.v.encoding(undefined));
    if (r.ok) return ok(r.param);
    return err(r.failure === 'cancelled' ? 'cancelled' : 'unknown-param', `sys${this.v.vehicle.sysid}: ${r.reason}`);
  }

  /** Set one parameter and verify the vehicle's echo; updates the cache when it is the vehicle's. */
  async set(name: string, value: number): Promise<Result<Param, ParamErrorCode>> {
    const sysid = this.v.vehicle.sysid;
    const cache = await loadCache(this.v.dataDir, sysid);
    const cached = cache ? cachedParams(cache).find((p) => p.name === name) : undefined;
    let type = cached?.type;
    if (type === undefined) {
      const r = await this.read(name);
      if (!r.ok) return err(r.code === 'cancelled' ? 'cancelled' : 'unknown-param', `sys${sysid}: no parameter ${name} (no answer to PARAM_REQUEST_READ)`);
      type = r.value.type;
    }
    if (!fitsType(type, value)) {
      const range = typeRange(type);
      return err('bad-value', `sys${sysid}: ${name} is ${PARAM_TYPE_NAMES[type] ?? `type ${type}`}${range ? ` (whole numbers ${range[0]}..${range[1]})` : ''}: ${value} does not fit`);
    }
    const r = await this.one({ kind: 'set', name, value: normalise(type, value), type }, this.v.encoding(undefined));
    if (!r.ok) return err(r.failure === 'timeout' ? 'timeout' : r.failure, `sys${sysid}: ${r.reason}`);
    this.v.paramsRead?.([r.param], false);
    if (cache && cached) {
      const params = cachedParams(cache).map((p) => (p.name === name ? r.param : p));
      await saveCache(this.v.dataDir, cache.fingerprint, params, this.v.vehicle.clock.now()).catch(() => undefined);
    }
    return ok(r.param);
  }
}
