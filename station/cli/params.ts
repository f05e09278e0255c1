/**
 * `kongxun params`: parameters of one drone.
 *
 *   kongxun params pull --connect URL [--sysid S] [--out file.parm] [--via auto|ftp|list] [--no-cache]
 *   kongxun params set  --connect URL [--sysid S] NAME VALUE [NAME VALUE …]   (each verified by read-back)
 *   kongxun params diff A.parm B.parm            two files
 *   kongxun params diff A.parm --connect URL     a file against the drone
 *
 * Exit code 0 on success (diff: also when the sets differ; the differences are printed), 1 when the drone
 * refused or did not answer, 2 for bad usage or a link that cannot open.
 */
import { cleanText } from '../../mavlink/text.js';
import { readFile, writeFile } from 'node:fs/promises';
import type { Clock } from '../../common/clock.js';
import { diffParams, formatParm, parseParm } from '../../mavlink/services/param/parm-file.js';
import { formatValue, type Param } from '../../mavlink/services/param/types.js';
import type { VehicleFiles } from '../vehicle/files.js';
import { flag, helpText, parseArgs, type FlagSpec, type ParsedArgs } from './args.js';
import type { CliIo } from './io.js';
import { cliGateway, GATEWAY_FLAGS } from './gateway.js';
import { CONNECT_FLAGS, connectVehicle } from './vehicle-session.js';

export const LINK_SPEC: Record<string, FlagSpec> = {
  ...CONNECT_FLAGS,
  station: GATEWAY_FLAGS.station!,
  help: { type: 'boolean', describe: 'show this help' },
};

const SPEC: Record<string, FlagSpec> = {
  ...LINK_SPEC,
  out: { type: 'string', describe: 'pull: write NAME,VALUE,TYPE lines to this file (default: print them)' },
  via: { type: 'string', describe: 'pull: auto (cache, then MAVFTP @PARAM/param.pck, then the list), ftp or list' },
  'no-cache': { type: 'boolean', describe: 'pull: download even when the cached set is still valid' },
};

const SYNOPSIS = 'pull|set|diff … (see the top of station/cli/params.ts)';

/** Open the station on --connect, wait for the drone, run `fn` with its parameter and log services. */
export async function withVehicle(a: ParsedArgs, command: string, io: CliIo, fn: (files: VehicleFiles, sysid: number, clock: Clock) => Promise<number>): Promise<number> {
  const c = await connectVehicle(a, command, { warn: (l) => io.err(l) });
  if (!c.ok) return io.fail(c.reason, c.code);
  try {
    const files = c.station.vehicle(c.sysid)?.files;
    if (!files) return io.fail(`kongxun ${command}: vehicle ${c.sysid} is gone`, 1);
    return await fn(files, c.sysid, c.clock);
  } finally {
    await c.station.close();
  }
}

/** A progress printer that writes a line per 10 %. */
export function progressPrinter(io: CliIo, label: string): (pct: number, what?: string) => void {
  let last = -10;
  return (pct, what) => {
    if (pct >= last + 10 || pct === 100) {
      last = pct - (pct % 10);
      io.err(`${label}: ${pct} %${what ? ` (${what})` : ''}`);
    }
  };
}

async function readParmFile(path: string): Promise<{ ok: true; params: Param[] } | { ok: false; reason: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    return { ok: false, reason: `${path}: ${(e as Error).message}` };
  }
  const r = parseParm(text);
  return r.ok ? r : { ok: false, reason: `${path}: ${r.reason}` };
}

function printDiff(io: CliIo, aName: string, bName: string, a: Param[], b: Param[]): void {
  const d = diffParams(a, b);
  for (const c of d.changed) io.out(`${c.name}: ${formatValue(c.type, c.a)} → ${formatValue(c.type, c.b)}`);
  for (const p of d.onlyA) io.out(`${p.name}: only in ${aName} (${formatValue(p.type, p.value)})`);
  for (const p of d.onlyB) io.out(`${p.name}: only in ${bName} (${formatValue(p.type, p.value)})`);
  io.err(`${d.changed.length} changed, ${d.onlyA.length} only in ${aName}, ${d.onlyB.length} only in ${bName}`);
}

export async function paramsMain(argv: string[], io: CliIo): Promise<number> {
  const a = parseArgs(argv, SPEC, 'params');
  if (!a.ok) return io.fail(a.reason, 2);
  const [sub, ...rest] = a.value.positionals;
  if (flag(a.value, 'help') || !sub) return io.print(helpText('params', SYNOPSIS, SPEC), sub || flag(a.value, 'help') ? 0 : 2);
  switch (sub) {
    case 'pull': {
      const via = flag(a.value, 'via') ?? 'auto';
      if (via !== 'auto' && via !== 'ftp' && via !== 'list') return io.fail(`kongxun params pull: --via must be auto, ftp or list, got "${via}"`, 2);
      if (rest.length > 0) return io.fail(`kongxun params pull: unexpected "${rest.join(' ')}"`, 2);
      return withVehicle(a.value, 'params pull', io, async (files, sysid) => {
        const r = await files.params.pull({ via, cache: !flag(a.value, 'no-cache'), onProgress: progressPrinter(io, `sys${sysid} params`) });
        if (!r.ok) return io.fail(`kongxun params pull: ${r.reason}`, 1);
        for (const n of r.value.notes) io.err(`note: ${cleanText(n)}`);
        for (const x of r.value.refused) io.err(`kongxun params pull: refused ${x}`);
        const header = [`sys${sysid}: ${r.value.params.length} parameters via ${r.value.via} in ${(r.value.elapsedMs / 1000).toFixed(1)} s`];
        if (r.value.refused.length > 0) header.push(`${r.value.refused.length} refused and left out: ${r.value.refused.join('; ')}`);
        const text = formatParm(r.value.params, header);
        const out = flag(a.value, 'out');
        if (out) {
          await writeFile(out, text);
          io.err(`${header[0]} → ${out}`);
        } else io.out(text.trimEnd());
        // The file holds what was good; the exit status says something was refused.
        return r.value.refused.length > 0 ? 1 : 0;
      });
    }
    case 'set': {
      if (rest.length === 0 || rest.length % 2 !== 0) return io.fail('kongxun params set: give NAME VALUE pairs, e.g. "params set RTL_ALT 2000"', 2);
      const pairs: [string, number][] = [];
      for (let i = 0; i < rest.length; i += 2) {
        const v = Number(rest[i + 1]);
        if (!Number.isFinite(v)) return io.fail(`kongxun params set: ${rest[i]}: "${rest[i + 1]}" is not a number`, 2);
        pairs.push([rest[i]!.toUpperCase(), v]);
      }
      return withVehicle(a.value, 'params set', io, async (files, sysid, clock) => {
        // A parameter change goes through the command gateway as cli:<os user>, audited like any command.
        const g = cliGateway(a.value, clock, 'params set');
        if (!g.ok) return io.fail(g.reason, 2);
        const { gateway, who } = g.value;
        let failed = 0;
        try {
          for (const [name, value] of pairs) {
            const out = await gateway.perform({ who, sysid, act: { kind: 'params', name, value } }, () => files.params.set(name, value), (r) => ({ ok: r.ok, text: r.ok ? `${name} = ${formatValue(r.value.type, r.value.value)} (verified)` : r.reason }));
            if (!out.sent) {
              failed++;
              io.err(`${name}: refused by the station: ${out.reason}`);
              continue;
            }
            const r = out.value;
            if (r.ok) io.out(`sys${sysid}: ${name} = ${formatValue(r.value.type, r.value.value)} (verified)`);
            else {
              failed++;
              io.err(r.reason);
            }
          }
        } finally {
          gateway.close();
        }
        return failed === 0 ? 0 : 1;
      });
    }
    case 'diff': {
      const [fa, fb] = rest;
      if (!fa || rest.length > 2) return io.fail('kongxun params diff: give two .parm files, or one and --connect URL', 2);
      const A = await readParmFile(fa);
      if (!A.ok) return io.fail(`kongxun params diff: ${A.reason}`, 2);
      if (fb) {
        const B = await readParmFile(fb);
        if (!B.ok) return io.fail(`kongxun params diff: ${B.reason}`, 2);
        printDiff(io, fa, fb, A.params, B.params);
        return 0;
      }
      return withVehicle(a.value, 'params diff', io, async (files, sysid) => {
        const r = await files.params.pull({ via: (flag(a.value, 'via') as 'auto' | 'ftp' | 'list' | undefined) ?? 'auto', cache: !flag(a.value, 'no-cache') });
        if (!r.ok) return io.fail(`kongxun params diff: ${r.reason}`, 1);
        printDiff(io, fa, `sys${sysid}`, A.params, r.value.params);
        return 0;
      });
    }
    default:
      return io.fail(`kongxun params: unknown subcommand "${sub}" (pull, set, diff)`, 2);
  }
}
