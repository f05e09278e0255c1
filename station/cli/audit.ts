/**
 * `kongxun audit [verify] [--data DIR] [--since T] [--drone D] [--user U] [--csv] [--json]`: the station's audit
 * (DATA/audit.sqlite, station/gateway/audit.ts). Without `verify`: the rows (oldest first) as a table, as CSV
 * (RFC 4180, UTF-8) or as JSON lines. `verify` walks the SHA-256 chain and names every row that was edited,
 * deleted or moved; exit 0 when the chain is intact, 1 when it is not, 2 for bad usage or a file that cannot be
 * opened. `--since` takes an ISO time (2026-11-24T08:00+08:00), Unix ms, or an age such as 30m, 12h, 7d.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { auditCsv, openAuditLog, type AuditRecord } from '../gateway/audit.js';
import { defaultDataDir } from '../storage/data-dir.js';
import { flag, helpText, parseArgs, type FlagSpec } from './args.js';
import type { CliIo } from './io.js';

const SPEC: Record<string, FlagSpec> = {
  data: { type: 'string', describe: "the station's data folder (the audit is DIR/audit.sqlite)" },
  since: { type: 'string', describe: 'rows from this time: ISO time, Unix ms, or an age (30m, 12h, 7d)' },
  drone: { type: 'string', describe: 'rows of this drone (fleet id or system id)' },
  user: { type: 'string', describe: 'rows of this principal (alice, patrol-runner, cli:root)' },
  csv: { type: 'boolean', describe: 'print CSV (every column, the hashes included)' },
  json: { type: 'boolean', describe: 'print one JSON object per row' },
  help: { type: 'boolean', describe: 'show this help' },
};

/** An ISO time, Unix ms, or an age before `nowMs`; undefined when it is none of them. */
export function parseSince(text: string, nowMs: number): number | undefined {
  const age = /^(\d+(?:\.\d+)?)([smhd])$/.exec(text.trim());
  if (age) return nowMs - Number(age[1]) * { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[age[2] as 's' | 'm' | 'h' | 'd'];
  if (/^\d{10,}$/.test(text)) return Number(text);
  const t = Date.parse(text);
  return Number.isFinite(t) ? t : undefined;
}

export function auditLine(r: AuditRecord): string {
  const what = r.phase === 'request' ? r.verdict : `→ ${r.verdict}`;
  const why = r.phase === 'request' ? r.reason : r.answer;
  return [
    String(r.id).padStart(6),
    `${new Date(r.atMs).toISOString().slice(0, 19).replace('T', ' ')}Z`,
    `${r.who} (${r.role})`.padEnd(28),
    `${r.via}${r.from ? ` ${r.from}` : ''}`.padEnd(22),
    (r.drone ?? (r.sysid !== null ? `sys${r.sysid}` : '-')).padEnd(7),
    r.action.padEnd(24),
    what.padEnd(11),
    why,
  ].join(' ');
}

export async function auditMain(argv: string[], io: CliIo): Promise<number> {
  const a = parseArgs(argv, SPEC, 'audit');
  if (!a.ok) return io.fail(a.reason, 2);
  if (flag(a.value, 'help')) return io.print(helpText('audit', '[verify] [--data DIR] [--since T] [--drone D] [--user U] [--csv|--json]', SPEC), 0);
  const sub = a.value.positionals[0];
  if (sub !== undefined && sub !== 'verify') return io.fail(`kongxun audit: unknown subcommand "${sub}" (verify, or none to list)`, 2);
  const dataDir = resolve(flag(a.value, 'data') ?? defaultDataDir());
  if (!existsSync(join(dataDir, 'audit.sqlite'))) return io.fail(`kongxun audit: no audit in ${dataDir} (DATA/audit.sqlite is written by the station, the CLI and the patrol runner)`, 2);
  const log = openAuditLog(dataDir);
  if (!log.ok) return io.fail(`kongxun audit: ${log.reason}`, 2);
  try {
    if (sub === 'verify') {
      const v = log.value.verify();
      for (const p of v.problems) io.out(`TAMPERED ${p.problem}`);
      const head = v.head ? `last row ${v.head.id}, head ${v.head.hash}` : 'empty';
      io.out(v.ok ? `audit intact: ${v.rows} rows chained (${head})` : `audit NOT intact: ${v.problems.length} problem(s) in ${v.rows} rows (${head})`);
      return v.ok ? 0 : 1;
    }
    const sinceText = flag(a.value, 'since');
    const sinceMs = sinceText !== undefined ? parseSince(sinceText, Date.now()) : undefined;
    if (sinceText !== undefined && sinceMs === undefined) return io.fail(`kongxun audit: --since "${sinceText}" is not a time (ISO time, Unix ms, or an age such as 12h)`, 2);
    const drone = flag(a.value, 'drone');
    const user = flag(a.value, 'user');
    const rows = log.value.rows({ ...(sinceMs !== undefined ? { sinceMs } : {}), ...(drone !== undefined ? { drone } : {}), ...(user !== undefined ? { user } : {}) });
    if (flag(a.value, 'csv')) io.out(auditCsv(rows).replace(/\r\n$/, ''));
    else if (flag(a.value, 'json')) for (const r of rows) io.out(JSON.stringify(r));
    else {
      for (const r of rows) io.out(auditLine(r));
      io.err(`${rows.length} rows`);
    }
    return 0;
  } finally {
    log.value.close();
  }
}
