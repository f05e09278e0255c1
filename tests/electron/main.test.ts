/**
 * The desktop app's main process, run for real in Node with a stand-in for the `electron` module
 * (fake-electron.cjs): it starts the station core in-process, opens the dispatch desk and — with a second
 * display — the wall screen, both sandboxed with context isolation; blocks new windows and foreign
 * navigation; denies permission requests; hands each page a MessagePort over which the console protocol
 * flows (hello, snapshots, command results); and stops the station on quit.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Report {
  type: string;
  window?: number;
  url?: string;
  options?: { webPreferences: Record<string, unknown>; x?: number };
  newWindow?: string;
  foreignNavigationBlocked?: boolean;
  data?: string;
  granted?: boolean;
  channel?: string;
}

let child: ChildProcess;
const reports: Report[] = [];

async function until(pred: () => boolean, what: string, ms = 60_000): Promise<void> {
  for (let waited = 0; !pred(); waited += 100) {
    if (waited > ms) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(reports.slice(-5))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  const build = await import('../../scripts/build.mjs');
  await build.buildRenderer();
  await build.buildElectron();
  child = fork(join('out', 'electron', 'main.cjs'), [], {
    execArgv: ['--require', join(process.cwd(), 'tests', 'electron', 'fake-electron.cjs')],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, KONGXUN_TRANSPORT: '' },
  });
  child.on('message', (m) => reports.push(m as Report));
  child.stderr!.on('data', (b: Buffer) => reports.push({ type: 'stderr', data: b.toString() }));
}, 120_000);

afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
});

describe('electron main process (in Node, with a stand-in for Electron)', () => {
  it('opens the desk and the wall screen on the in-process station, sandboxed', async () => {
    await until(() => reports.filter((r) => r.type === 'window').length >= 2, 'two windows');
    const [desk, wall] = reports.filter((r) => r.type === 'window');
    expect(desk!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?view=desk$/);
    expect(wall!.url).toMatch(/\?view=wall$/);
    expect(wall!.options!.x).toBe(1920);
    for (const w of [desk!, wall!]) {
      expect(w.options!.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
      expect(w.newWindow).toBe('deny');
      expect(w.foreignNavigationBlocked).toBe(true);
    }
    expect(reports.find((r) => r.type === 'permission')?.granted).toBe(false);
    const page = await fetch(desk!.url!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Content-Security-Policy');
  });

  it('speaks the console protocol over the MessagePort handed to each page', async () => {
    await until(() => reports.some((r) => r.type === 'port' && r.channel === 'kongxun:port'), 'a port for the page');
    await until(() => reports.some((r) => r.type === 'port-message' && r.data!.includes('"type":"hello"')), 'hello over the port');
    await until(() => reports.some((r) => r.type === 'port-message' && r.data!.includes('"type":"snapshot"')), 'a snapshot over the port');
    await until(() => reports.some((r) => r.type === 'port-message' && r.data!.includes('"requestId":"electron-test"')), 'the command result');
    const result = JSON.parse(reports.find((r) => r.type === 'port-message' && r.data!.includes('"requestId":"electron-test"'))!.data!);
    expect(result.type).toBe('result');
  });

  it('stops the station on quit', async () => {
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.send('quit');
    expect(await exited).toBe(0);
  });
});
