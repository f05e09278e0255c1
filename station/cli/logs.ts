/**
 * `kongxun logs`: onboard logs of one drone.
 *
 *   kongxun logs list --connect URL [--sysid S] [--via auto|ftp|log]
 *   kongxun logs get  --connect URL [--sysid S] (--id N | --name NNNNNNNN.BIN) [--out DIR] [--via auto|ftp|log]
 *   kongxun logs rm   --connect URL [--sysid S] --name NNNNNNNN.BIN      (deletes that one log on the drone)
 *
 * `get` shows progress, keeps a broken download as DIR/NAME.part and resumes it when run again, and checks
 * the result (the drone's CRC32 over MAVFTP, else the size). Nothing is deleted on the drone except by `rm`.
 */
import { resolve } from 'node:path';
import { flag, helpText, intFlag, parseArgs, type FlagSpec } from './args.js';
import type { CliIo } from './io.js';
import { LINK_SPEC, progressPrinter, withVehicle } from './params.js';

const SPEC: Record<string, FlagSpec> = {
  ...LINK_SPEC,
  id: { type: 'string', describe: 'get: the log number (as listed)' },
  name: { type: 'string', describe: 'get/rm: the log file name, e.g. 00000003.BIN' },
  out: { type: 'string', describe: 'get: the folder to write the log to (default: the current folder)' },
  via: { type: 'string', describe: 'auto (MAVFTP when offered, else LOG_REQUEST_*), ftp or log' },
};

export async function logsMain(argv: string[], io: CliIo): Promise<number> {
  const a = parseArgs(argv, SPEC, 'logs');
  if (!a.ok) return io.fail(a.reason, 2);
  const [sub, ...rest] = a.value.positionals;
  if (flag(a.value, 'help') || !sub) return io.print(helpText('logs', 'list|get|rm …', SPEC), sub || flag(a.value, 'help') ? 0 : 2);
  if (rest.length > 0) return io.fail(`kongxun logs ${sub}: unexpected "${rest.join(' ')}"`, 2);
  const via = flag(a.value, 'via') ?? 'auto';
  if (via !== 'auto' && via !== 'ftp' && via !== 'log') return io.fail(`kongxun logs: --via must be auto, ftp or log, got "${via}"`, 2);
  switch (sub) {
    case 'list':
      return withVehicle(a.value, 'logs list', io, async (files, sysid) => {
        const r = await files.logs.list(via);
        if (!r.ok) return io.fail(`kongxun logs list: ${r.reason}`, 1);
        for (const l of r.value.logs) {
          const when = l.timeUtcS ? `  ${new Date(l.timeUtcS * 1000).toISOString()}` : '';
          io.out(`${String(l.id).padStart(4)}  ${l.name}  ${String(l.size).padStart(10)} bytes${when}`);
        }
        io.err(`sys${sysid}: ${r.value.logs.length} logs (via ${r.value.via})`);
        return 0;
      });
    case 'get': {
      const id = intFlag(a.value, 'id', 'logs get', 0, 65535);
      if (!id.ok) return io.fail(id.reason, 2);
      const name = flag(a.value, 'name');
      if ((id.value === undefined) === (name === undefined)) return io.fail('kongxun logs get: give --id N or --name NNNNNNNN.BIN (one of them)', 2);
      const out = resolve(flag(a.value, 'out') ?? '.');
      return withVehicle(a.value, 'logs get', io, async (files, sysid) => {
        const show = progressPrinter(io, `sys${sysid} log`);
        // Ctrl-C stops the transfer cleanly: the bytes received are kept for a resume.
        const stop = (): void => files.logs.cancel();
        process.once('SIGINT', stop);
        const r = await files.logs.get(name !== undefined ? { name } : { id: id.value! }, out, { via, onProgress: (pct, bytes, total) => show(pct, `${bytes} of ${total} bytes`) });
        process.off('SIGINT', stop);
        if (!r.ok) return io.fail(`kongxun logs get: ${r.reason}`, 1);
        const v = r.value;
        const rate = v.elapsedMs > 0 ? ` at ${Math.round(((v.size - v.resumedFrom) * 1000) / v.elapsedMs)} B/s` : '';
        io.out(`${v.path}: ${v.size} bytes via ${v.via}${v.resumedFrom ? `, resumed at ${v.resumedFrom}` : ''}${rate}; ${v.check === 'crc32' ? `CRC32 ${v.crc32.toString(16).padStart(8, '0')} matches the drone's` : 'size matches the drone\'s LOG_ENTRY'}`);
        return 0;
      });
    }
    case 'rm': {
      const name = flag(a.value, 'name');
      if (!name) return io.fail('kongxun logs rm: --name NNNNNNNN.BIN is required (one log; logs are never erased all at once)', 2);
      return withVehicle(a.value, 'logs rm', io, async (files, sysid) => {
        const r = await files.logs.remove(name);
        if (!r.ok) return io.fail(`kongxun logs rm: ${r.reason}`, 1);
        io.out(`sys${sysid}: ${name} deleted`);
        return 0;
      });
    }
    default:
      return io.fail(`kongxun logs: unknown subcommand "${sub}" (list, get, rm)`, 2);
  }
}
