/**
 * `kongxun params` and `kongxun logs` as a user runs them: against a simulated drone on a real TCP port
 * (SimFleet, system clock), then the usage errors, each naming what is wrong.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimFleet } from '../../sitl/fleet.js';
import { runCli, tcpSimFleet } from '../cli.js';

let fleet: SimFleet | undefined;
let dir = '';
const PORT = 27_000 + (process.pid % 1000) * 10;
const URL = `tcpout://127.0.0.1:${PORT}`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kongxun-params-cli-'));
  fleet = await tcpSimFleet({ basePort: PORT });
  fleet.members[0]!.drone.fileServices.logs.reset([30_000, 12_345]);
});

afterAll(async () => {
  await fleet?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('kongxun params / logs', () => {
  it('pull (MAVFTP, then from the cache), set with read-back, diff against the drone', async () => {
    const data = join(dir, 'data');
    const a = join(dir, 'a.parm');
    const r = await runCli('params', 'pull', '--connect', URL, '--data', data, '--out', a);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('1349 parameters via ftp');
    expect(readFileSync(a, 'utf8')).toContain('\nRTL_ALT,1500,6\n');
    const again = await runCli('params', 'pull', '--connect', URL, '--data', data, '--out', join(dir, 'b.parm'));
    expect(again.err).toContain('via cache');
    const set = await runCli('params', 'set', '--connect', URL, '--data', data, 'RTL_ALT', '2100', 'FS_GCS_ENABLE', '300');
    expect(set.code).toBe(1);
    expect(set.out).toContain('RTL_ALT = 2100 (verified)');
    expect(set.err).toContain('FS_GCS_ENABLE is INT8');
    const diff = await runCli('params', 'diff', a, '--connect', URL, '--data', data);
    expect(diff.code).toBe(0);
    expect(diff.out).toBe('RTL_ALT: 1500 → 2100');
  }, 60_000);

  it('logs list and get (checked with the drone\'s CRC32)', async () => {
    const data = join(dir, 'data');
    const l = await runCli('logs', 'list', '--connect', URL, '--data', data);
    expect(l.code, l.err).toBe(0);
    expect(l.out).toMatch(/1 {2}00000001\.BIN +30000 bytes/);
    const g = await runCli('logs', 'get', '--connect', URL, '--data', data, '--id', '2', '--out', join(dir, 'logs'));
    expect(g.code, g.err).toBe(0);
    expect(g.out).toContain('CRC32');
    expect(readFileSync(join(dir, 'logs', '00000002.BIN')).length).toBe(12_345);
  }, 60_000);

  it('usage errors name the problem', async () => {
    expect(await runCli('params', 'pull')).toMatchObject({ code: 2, err: expect.stringContaining('--connect URL is required') });
    expect(await runCli('params', 'pull', '--connect', URL, '--via', 'carrier-pigeon')).toMatchObject({ code: 2, err: expect.stringContaining('--via must be auto, ftp or list') });
    expect(await runCli('params', 'set', '--connect', URL, 'RTL_ALT')).toMatchObject({ code: 2, err: expect.stringContaining('NAME VALUE pairs') });
    expect(await runCli('params', 'set', '--connect', URL, 'RTL_ALT', 'high')).toMatchObject({ code: 2, err: expect.stringContaining('"high" is not a number') });
    expect(await runCli('logs', 'get', '--connect', URL)).toMatchObject({ code: 2, err: expect.stringContaining('--id N or --name') });
    expect(await runCli('logs', 'rm', '--connect', URL)).toMatchObject({ code: 2, err: expect.stringContaining('one log') });
    writeFileSync(join(dir, 'bad.parm'), 'RTL_ALT,1500\nWPNAV_SPEED,fast\n');
    writeFileSync(join(dir, 'ok.parm'), 'RTL_ALT,1600\n');
    expect(await runCli('params', 'diff', join(dir, 'bad.parm'), join(dir, 'ok.parm'))).toMatchObject({ code: 2, err: expect.stringContaining('line 2: WPNAV_SPEED: "fast" is not a number') });
    writeFileSync(join(dir, 'a2.parm'), 'RTL_ALT,1500\nX_ONLY,1\n');
    expect(await runCli('params', 'diff', join(dir, 'a2.parm'), join(dir, 'ok.parm'))).toMatchObject({ code: 0, out: expect.stringContaining('RTL_ALT: 1500 → 1600') });
  });
});
