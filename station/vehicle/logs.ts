/**
 * Onboard logs of one vehicle, for the station and `kongxun logs`: list them and download one, over MAVFTP
 * (APM/LOGS/NNNNNNNN.BIN, checked with the vehicle's CRC32 of the file) when the autopilot offers it, else
 * with LOG_REQUEST_LIST / LOG_REQUEST_DATA (checked by size). A broken download keeps its bytes in
 * OUT/NAME.part (with NAME.part.json saying what it is) and the next `get` resumes from there.
 * Nothing on the vehicle is ever deleted by a download; `remove(name)` deletes that one log over MAVFTP
 * (LOG_ERASE would erase every log, so it is never sent).
 */
import { mkdir, readFile, rename, rm, stat, writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { drive } from '../../mavlink/services/driver.js';
import { ftpCrc32 } from '../../mavlink/services/ftp/protocol.js';
import { createLogDownload, logDownloadMachine } from '../../mavlink/services/log/download.js';
import { createLogList, logListMachine } from '../../mavlink/services/log/list.js';
import { err, ok, type Result } from '../../common/result.js';
import { CAP_FTP, type VehicleFileLink } from './file-link.js';

export const LOG_DIR = 'APM/LOGS';

export interface LogInfo {
  id: number;
  name: string;
  size: number;
  timeUtcS: number | undefined;
}

export type LogsVia = 'auto' | 'ftp' | 'log';
export type LogErrorCode = 'flying' | 'not-found' | 'timeout' | 'interrupted' | 'checksum' | 'io' | 'no-ftp' | 'cancelled' | 'failed';

export interface GetResult {
  path: string;
  size: number;
  via: 'ftp' | 'log';
  resumedFrom: number;
  /** 'crc32' (the vehicle's CRC32 of the file equals ours) or 'size' (LOG protocol: sizes equal). */
  check: 'crc32' | 'size';
  crc32: number;
  elapsedMs: number;
}

interface PartMeta {
  sysid: number;
  name: string;
  id: number;
  size: number;
  via: 'ftp' | 'log';
}

export function logNameOf(id: number): string {
  return `${String(id).padStart(8, '0')}.BIN`;
}

function idOfName(name: string): number | undefined {
  const m = /^0*(\d+)\.BIN$/i.exec(name);
  return m ? Number(m[1]) : undefined;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

export class LogService {
  private cancelLog: (() => void) | undefined;

  constructor(private readonly v: VehicleFileLink) {}

  /** Stop a download in progress: what has arrived is kept as the partial file, for a later resume. */
  cancel(): void {
    this.cancelLog?.();
    this.v.ftp.cancel();
  }

  private async useFtp(via: LogsVia): Promise<Result<boolean, LogErrorCode>> {
    if (via === 'log') return ok(false);
    const id = await this.v.identity();
    const has = id !== undefined && (id.capabilities & CAP_FTP) !== 0n;
    if (via === 'ftp' && !has) return err('no-ftp', `sys${this.v.vehicle.sysid} does not offer MAVFTP`);
    return ok(has);
  }

  async list(via: LogsVia = 'auto'): Promise<Result<{ logs: LogInfo[]; via: 'ftp' | 'log' }, LogErrorCode>> {
    const f = await this.useFtp(via);
    if (!f.ok) return f;
    if (f.value) {
      const r = await this.v.ftp.list(LOG_DIR);
      if (r.ok) {
        const logs = r.value
          .filter((e) => e.kind === 'file' && idOfName(e.name) !== undefined)
          .map((e) => ({ id: idOfName(e.name)!, name: e.name, size: e.size, timeUtcS: undefined }))
          .sort((a, b) => a.id - b.id);
        return ok({ logs, via: 'ftp' });
      }
      if (via === 'ftp') return err(r.code === 'not-found' ? 'not-found' : 'failed', `sys${this.v.vehicle.sysid}: list ${LOG_DIR}: ${r.reason}`);
    }
    const { clock, link, sysid, compid } = this.v.vehicle;
    const r = await drive(logListMachine, createLogList({ sysid, compid }), { clock, link }).result;
    if (!r.ok) return err(r.failure === 'cancelled' ? 'cancelled' : 'timeout', `sys${sysid}: ${r.reason}`);
    return ok({ logs: r.entries.map((e) => ({ id: e.id, name: logNameOf(e.id), size: e.size, timeUtcS: e.timeUtcS })), via: 'log' });
  }

  /** Download one log (by id or name) into outDir, resuming a partial download left there. */
  async get(which: { id?: number; name?: string }, outDir: string, o: { via?: LogsVia; onProgress?: (pct: number, bytes: number, total: number) => void } = {}): Promise<Result<GetResult, LogErrorCode>> {
    const sysid = this.v.vehicle.sysid;
    const flying = this.v.flyingReason();
    if (flying) return err('flying', `no log download while flying: ${flying}`);
    const listed = await this.list(o.via ?? 'auto');
    if (!listed.ok) return listed;
    const log = listed.value.logs.find((l) => (which.name !== undefined ? l.name === which.name : l.id === which.id));
    if (!log) return err('not-found', `sys${sysid}: no log ${which.name ?? `#${which.id}`} (logs: ${listed.value.logs.map((l) => l.name).join(', ') || 'none'})`);
    const via = listed.value.via;
    const final = join(outDir, log.name);
    const part = `${final}.part`;
    const metaPath = `${part}.json`;
    const t0 = this.v.vehicle.clock.now();
    try {
      await mkdir(outDir, { recursive: true });
      // Resume only a partial file of this very log (same vehicle, name, size and protocol).
      let from = 0;
      try {
        const meta = JSON.parse(await readFile(metaPath, 'utf8')) as PartMeta;
        if (meta.sysid === sysid && meta.name === log.name && meta.via === via && (via === 'ftp' || meta.size === log.size)) from = await sizeOf(part);
        else await rm(part, { force: true });
      } catch {
        await rm(part, { force: true });
      }
      const meta: PartMeta = { sysid, name: log.name, id: log.id, size: log.size, via };
      await writeFile(metaPath, JSON.stringify(meta));
      if (from === 0) await writeFile(part, new Uint8Array(0));
      const progress = (done: number): void => o.onProgress?.(Math.min(100, Math.floor((done * 100) / Math.max(1, log.size))), done, log.size);
      let data: Uint8Array;
      let failure: string | undefined;
      let cancelled = false;
      if (via === 'ftp') {
        const r = await this.v.ftp.read({ path: `${LOG_DIR}/${log.name}`, fromOffset: from }, (pct) => progress(from + Math.floor(((log.size - from) * pct) / 100)));
        data = r.data;
        if (!r.ok) {
          failure = r.reason;
          cancelled = r.failure === 'cancelled';
        }
      } else {
        const { clock, link, compid } = this.v.vehicle;
        const run = drive(logDownloadMachine, createLogDownload({ sysid, compid }, { id: log.id, size: log.size, fromOffset: from }, this.v.rttMs !== undefined ? { rttMs: this.v.rttMs } : {}), {
          clock,
          link,
          onProgress: (_pct, items) => progress(from + (items?.done ?? 0)),
          // A minute, plus a second per kilobyte still to fetch: a radio link does several KB/s.
          deadlineMs: 60_000 + Math.max(0, log.size - from),
        });
        this.cancelLog = run.cancel;
        const r = await run.result;
        this.cancelLog = undefined;
        data = r.data;
        if (!r.ok) {
          failure = r.reason;
          cancelled = r.failure === 'cancelled';
        }
      }
      await appendFile(part, data);
      const have = from + data.length;
      if (failure !== undefined) {
        return err(cancelled ? 'cancelled' : 'interrupted', `sys${sysid}: ${log.name}: ${failure}; ${have} of ${log.size} bytes kept in ${part} — run the same command again to resume`);
      }
      const bytes = new Uint8Array(await readFile(part));
      const crc = ftpCrc32(bytes);
      let check: 'crc32' | 'size' = 'size';
      if (via === 'ftp') {
        const c = await this.v.ftp.crc32(`${LOG_DIR}/${log.name}`);
        if (!c.ok) return err('checksum', `sys${sysid}: ${log.name}: downloaded ${bytes.length} bytes but the vehicle's CRC32 could not be read (${c.reason}); kept in ${part}`);
        if (c.value !== crc) {
          await rm(part, { force: true });
          await rm(metaPath, { force: true });
          return err('checksum', `sys${sysid}: ${log.name}: CRC32 mismatch (vehicle ${c.value.toString(16)}, ours ${crc.toString(16)}): the partial file was discarded, run again to download afresh`);
        }
        check = 'crc32';
      } else if (bytes.length !== log.size) {
        await rm(part, { force: true });
        await rm(metaPath, { force: true });
        return err('checksum', `sys${sysid}: ${log.name}: ${bytes.length} bytes, LOG_ENTRY says ${log.size}: discarded`);
      }
      await rename(part, final);
      await rm(metaPath, { force: true });
      return ok({ path: final, size: bytes.length, via, resumedFrom: from, check, crc32: crc, elapsedMs: this.v.vehicle.clock.now() - t0 });
    } catch (e) {
      return err('io', `${final}: ${(e as Error).message}`);
    }
  }

  /** Delete one log on the vehicle by name, over MAVFTP (never LOG_ERASE, which erases them all). */
  async remove(name: string): Promise<Result<void, LogErrorCode>> {
    if (!/^\d{1,8}\.BIN$/i.test(name)) return err('not-found', `"${name}" is not a log name (NNNNNNNN.BIN)`);
    const f = await this.useFtp('ftp');
    if (!f.ok) return f;
    const r = await this.v.ftp.remove(`${LOG_DIR}/${name}`);
    return r.ok ? ok(undefined) : err(r.code === 'not-found' ? 'not-found' : 'failed', `sys${this.v.vehicle.sysid}: remove ${LOG_DIR}/${name}: ${r.reason}`);
  }
}
