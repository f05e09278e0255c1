/**
 * The CLI through the command gateway and `kongxun audit`, as a user runs them: `kongxun command` against a
 * simulated drone on a real TCP port acts as cli:<os user>, a go-to into the 变电站 no-fly zone is refused with
 * the reason and sent with --override; `kongxun audit` lists, filters and exports the rows; `kongxun audit
 * verify` passes the untouched file and names the row in a copy whose row was edited, deleted or swapped with
 * the sqlite shell's means (triggers dropped, rows changed in the file).
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimFleet } from '../../sitl/fleet.js';
import { runCli, tcpSimFleet } from '../cli.js';
import { nodeRequire } from '../../station/node-require.js';

const Database = nodeRequire()('better-sqlite3') as typeof BetterSqlite3;
let fleet: SimFleet | undefined;
let dir = '';
const PORT = 28_000 + (process.pid % 1000) * 10;
const URL = `tcpout://127.0.0.1:${PORT}`;
const ME = `cli:${userInfo().username}`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kongxun-audit-cli-'));
  fleet = await tcpSimFleet({ basePort: PORT, home: { lat: 24.6, lon: 118.262, altAmslM: 10 } });
});

afterAll(async () => {
  await fleet?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A copy of the data folder with the audit changed as an attacker with the sqlite3 shell would. */
function tampered(data: string, name: string, sql: string): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  copyFileSync(join(data, 'audit.sqlite'), join(d, 'audit.sqlite'));
  const db = new Database(join(d, 'audit.sqlite'));
  db.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');
  db.exec(sql);
  db.close();
  return d;
}

describe('kongxun command through the gateway, and kongxun audit', () => {
  it('audits the CLI as cli:<os user>, refuses a no-fly go-to, lists, exports and verifies; names tampered rows', async () => {
    const data = join(dir, 'data');
    const base = ['--connect', URL, '--data', data];
    const mode = await runCli('command', ...base, 'mode', 'GUIDED');
    expect(mode.code, mode.err).toBe(0);
    const nofly = await runCli('command', ...base, 'goto', '24.59,118.274,40');
    expect(nofly.code).toBe(1);
    expect(nofly.err).toMatch(/refused by the station \(audit row 3\): go-to point is inside no-fly zone 变电站 substation/);
    const high = await runCli('command', ...base, 'takeoff', '150');
    expect(high.err).toContain("take-off: 150 m is above the station's 120 m ceiling");
    const over = await runCli('command', ...base, 'goto', '24.59,118.274,40', '--override', 'substation alarm, checking the fence');
    expect(over.err).not.toContain('refused by the station');

    const list = await runCli('audit', '--data', data);
    expect(list.code, list.err).toBe(0);
    const lines = list.out.split('\n');
    expect(lines).toHaveLength(6); // mode (request, result), goto refused, takeoff refused, goto override (request, result)
    expect(lines[0]).toContain(`${ME} (pilot)`);
    expect(lines[0]).toMatch(/cli localhost\s+sys1\s+mode\s+allowed/);
    expect(lines[2]).toMatch(/goto\s+refused\s+go-to point is inside no-fly zone/);
    expect(lines[5]).toMatch(/goto\s+→ accepted\s+Go to accepted/);
    expect(lines[4]).toMatch(/goto\s+override\s+override: substation alarm, checking the fence — over: go-to point is inside/);
    const csv = await runCli('audit', '--data', data, '--csv', '--user', ME, '--drone', '1');
    expect(csv.out.split('\r\n')).toHaveLength(7);
    expect(csv.out.split('\r\n')[3]).toContain('"{""kind"":""command"",""cmd"":{""command"":""goto"",""latDeg"":24.59,""lonDeg"":118.274,""altRelM"":40}}"');
    expect((await runCli('audit', '--data', data, '--user', 'alice')).out).toBe('');
    expect((await runCli('audit', '--data', data, '--since', '1h')).out.split('\n')).toHaveLength(6);
    expect((await runCli('audit', '--data', data, '--since', 'last tuesday')).code).toBe(2);

    const ok = await runCli('audit', 'verify', '--data', data);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^audit intact: 6 rows chained \(last row 6, head [0-9a-f]{64}\)$/);

    const edited = await runCli('audit', 'verify', '--data', tampered(data, 'edited', "UPDATE audit SET reason = 'nothing to see' WHERE id = 3"));
    expect(edited.code).toBe(1);
    expect(edited.out).toContain('TAMPERED row 3: its content does not match its hash (edited, or moved here from another place)');
    const deleted = await runCli('audit', 'verify', '--data', tampered(data, 'deleted', 'DELETE FROM audit WHERE id = 4'));
    expect(deleted.code).toBe(1);
    expect(deleted.out).toContain('TAMPERED row 4 is missing (deleted): row 5 follows row 3');
    const cols = 'at_ms, who, role, via, from_addr, sysid, drone, sortie, phase, ref, action, command, verdict, reason, answer, prev, hash';
    const swapped = await runCli(
      'audit',
      'verify',
      '--data',
      tampered(data, 'swapped', `CREATE TEMP TABLE t AS SELECT * FROM audit WHERE id IN (3, 4);
        UPDATE audit SET (${cols}) = (SELECT ${cols} FROM t WHERE t.id = 4) WHERE id = 3;
        UPDATE audit SET (${cols}) = (SELECT ${cols} FROM t WHERE t.id = 3) WHERE id = 4;`),
    );
    expect(swapped.code).toBe(1);
    expect(swapped.out).toContain('TAMPERED row 3 does not follow row 2');
    expect(swapped.out).toContain('TAMPERED row 4: its content does not match its hash');
    expect(swapped.out).toMatch(/audit NOT intact: \d problem\(s\) in 6 rows/);
  }, 120_000);
});
