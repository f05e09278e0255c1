/**
 * CLI smoke: the real `kongxun` command (node bin/kongxun.mjs) as people and scripts run it, on loopback.
 *   sim --drones 2 --base-port P   two simulated drones (sample-fleet sysids 11, 12) on tcpin P and P+10
 *   status --json --seconds 3      JSON lines for both vehicles, exit 0
 *   command … mode GUIDED          exit 0, "accepted"
 *   command … arm (no GPS)         exit 1, the vehicle's refusal text
 *   command with a malformed URL   exit 2, the message names the URL
 *   serve --port 0                 prints its URL, serves it, stops cleanly on SIGTERM
 * Drone 11 has no GPS (a `gps-loss` fault from power-on, --faults), so once its short warm-up is over (IMUs
 * settled, home set) the only arming refusal left is the missing position estimate, however long the machine
 * takes to get there: the test waits for the warm-up to pass, it does not race it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeTcpPortRun, sleep, tempDir, waitFor } from './util.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'kongxun.mjs');
const FLEET = join(ROOT, 'resources', 'samples', 'fleet.json');
const WARMUP_MS = 3_000;
const data = tempDir('kongxun-smoke-cli-');
const children = new Set<ChildProcess>();

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function start(args: string[]): { child: ChildProcess; out: () => string; err: () => string; done: Promise<Run> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Run>((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      // Let the pipes drain.
      setImmediate(() => resolve({ code, signal, stdout, stderr }));
    });
  });
  return { child, out: () => stdout, err: () => stderr, done };
}

/** Run to completion; a hang guard kills it after `maxMs`. */
async function run(args: string[], maxMs = 30_000): Promise<Run> {
  const p = start(args);
  const guard = setTimeout(() => p.child.kill('SIGKILL'), maxMs);
  const r = await p.done;
  clearTimeout(guard);
  if (r.signal === 'SIGKILL') throw new Error(`kongxun ${args.join(' ')} did not finish within ${maxMs} ms\n${r.stdout}\n${r.stderr}`);
  return r;
}

let base = 0;
let simStartedAt = 0;
let sim: ReturnType<typeof start> | undefined;

beforeAll(async () => {
  base = await freeTcpPortRun(2);
  const faults = join(data.path, 'no-gps-on-11.json');
  writeFileSync(faults, JSON.stringify({ faults: [{ kind: 'gps-loss', sysid: 11 }] }));
  sim = start(['sim', '--drones', '2', '--base-port', String(base), '--fleet', FLEET, '--warmup-ms', String(WARMUP_MS), '--faults', faults]);
  simStartedAt = Date.now();
  await waitFor(() => sim!.out().includes('running') || sim!.child.exitCode !== null, 'kongxun sim to start', 30_000);
  if (!sim.out().includes('running')) throw new Error(`kongxun sim did not start:\n${sim.out()}\n${sim.err()}`);
}, 40_000);

afterAll(async () => {
  for (const c of [...children]) {
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGTERM');
    await Promise.race([exited, sleep(5000)]);
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
  data.remove();
});

describe('kongxun CLI against kongxun sim (127.0.0.1)', () => {
  it('sim serves the two drones on P and P+10 with the sample fleet sysids', () => {
    const lines = sim!.out().split('\n').filter((l) => l.startsWith('drone '));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain(`sysid 11`);
    expect(lines[0]).toContain(`tcpin://127.0.0.1:${base}`);
    expect(lines[1]).toContain(`sysid 12`);
    expect(lines[1]).toContain(`tcpin://127.0.0.1:${base + 10}`);
  });

  it('status --json prints JSON lines for both vehicles and records to --data', { timeout: 40_000 }, async () => {
    const r = await run(['status', '--connect', `tcpout://127.0.0.1:${base}`, '--connect', `tcpout://127.0.0.1:${base + 10}`, '--seconds', '3', '--json', '--data', data.path]);
    expect(r.code, r.stderr).toBe(0);
    const objs = r.stdout
      .split('\n')
      .filter((l) => l.trim().startsWith('{'))
      .map((l) => JSON.parse(l) as { sysid: number; atMs: number; connected: boolean; mode: string });
    expect(objs.length).toBeGreaterThanOrEqual(2);
    expect(new Set(objs.map((o) => o.sysid))).toEqual(new Set([11, 12]));
    expect(objs.every((o) => typeof o.atMs === 'number' && o.connected)).toBe(true);
    const tlogs = join(data.path, 'tlogs');
    expect(existsSync(tlogs)).toBe(true);
    const names = readdirSync(tlogs);
    expect(names.some((n) => n.includes('_sys11_'))).toBe(true);
    expect(names.some((n) => n.includes('_sys12_'))).toBe(true);
  });

  it('command … mode GUIDED exits 0 and says accepted', { timeout: 40_000 }, async () => {
    const r = await run(['command', '--connect', `tcpout://127.0.0.1:${base}`, '--sysid', '11', '--data', data.path, 'mode', 'GUIDED']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('sys11: Mode GUIDED: accepted');
  });

  it('command with a malformed URL exits 2 and names the URL', async () => {
    const r = await run(['command', '--connect', 'tcpout://127.0.0.1:notaport', '--sysid', '11', 'mode', 'GUIDED']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('tcpout://127.0.0.1:notaport');
    const r2 = await run(['status', '--connect', 'udpin//0.0.0.0:14550', '--seconds', '1']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('udpin//0.0.0.0:14550');
  });
});

describe('kongxun serve', () => {
  it('--port 0 prints its URL, serves it, and stops cleanly on SIGTERM', { timeout: 90_000 }, async () => {
    const serveData = join(data.path, 'serve');
    const p = start(['serve', '--port', '0', '--data', serveData, '--sim-warmup', '1']);
    await waitFor(() => /console at http:\/\/127\.0\.0\.1:\d+/.test(p.out()) || p.child.exitCode !== null, 'serve to print its URL', 80_000);
    const m = /console at (http:\/\/127\.0\.0\.1:(\d+)\S*)/.exec(p.out());
    expect(m, p.out() + p.err()).not.toBeNull();
    const url = m![1]!;
    expect(Number(m![2])).toBeGreaterThan(0);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    p.child.kill('SIGTERM');
    const r = await Promise.race([p.done, sleep(20_000).then(() => undefined)]);
    expect(r, 'serve did not stop within 20 s of SIGTERM').toBeDefined();
    expect(r!.code, r!.stderr).toBe(0);
    expect(r!.signal).toBeNull();
    expect(r!.stdout).toContain('SIGTERM, stopping');
  });
});

describe('kongxun command refusal', () => {
  it('command … arm without a position (no GPS) exits 1 with the refusal text', { timeout: 40_000 }, async () => {
    // Past the warm-up (IMUs settled, home set) the only refusal left is the position the drone never gets.
    while (Date.now() < simStartedAt + WARMUP_MS + 500) await sleep(100);
    await run(['command', '--connect', `tcpout://127.0.0.1:${base}`, '--sysid', '11', '--data', data.path, 'mode', 'GUIDED']);
    const r = await run(['command', '--connect', `tcpout://127.0.0.1:${base}`, '--sysid', '11', '--data', data.path, 'arm']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain('sys11: Arm refused (FAILED): Arm: Need Position Estimate');
  });
});
