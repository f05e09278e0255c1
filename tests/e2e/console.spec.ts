/// <reference lib="dom" />
/**
 * The web console in Debian's Chromium against `kongxun serve` on the built-in simulated fleet: the sample
 * station's seven drones appear with live state, a command sent over the console's WebSocket flies one of
 * them (its altitude rises on its card), and the language switches between zh-CN and English.
 */
import { expect, test } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let serve: ChildProcess;
let url = '';

test.beforeAll(async () => {
  const data = mkdtempSync(join(tmpdir(), 'kongxun-e2e-'));
  serve = spawn(process.execPath, ['bin/kongxun.mjs', 'serve', '--port', '0', '--data', data, '--sim-warmup', '3'], { stdio: ['ignore', 'pipe', 'inherit'] });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve printed no URL: ${out}`)), 60_000);
    serve.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /console at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    serve.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
});

test.afterAll(() => {
  serve?.kill('SIGTERM');
});

test('shows the simulated fleet, flies a drone, switches language', async ({ page }, testInfo) => {
  await page.goto(url);
  await expect(page.getByTestId('link')).toHaveText('已连接');
  await expect(page.locator('[data-testid^="drone-JH-"]')).toHaveCount(7);
  await expect(page.getByTestId('station')).toContainText('jinhai');
  await expect(page.locator('.leaflet-tooltip', { hasText: 'JH-07' })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('console-zh.png'), fullPage: true });

  // Take off JH-03 (sysid 13) through the console's own WebSocket API, as the desk's buttons will.
  const result = await page.evaluate(async () => {
    const ws = new WebSocket(`ws://${location.host}/ws`);
    await new Promise((r) => (ws.onopen = r));
    const waiting = new Map<string, (m: { ok: boolean; reason: string }) => void>();
    ws.onmessage = (ev) => {
      const m = JSON.parse(String(ev.data));
      if (m.type === 'result') waiting.get(m.requestId)?.(m);
    };
    // The simulated drone needs its position estimate first (warm-up 3 s): retry while it refuses.
    let last = { ok: false, reason: 'not sent' };
    for (let i = 0; i < 30; i++) {
      const requestId = `t${i}`;
      const reply = new Promise<{ ok: boolean; reason: string }>((resolve) => waiting.set(requestId, resolve));
      ws.send(JSON.stringify({ type: 'command', requestId, sysid: 13, command: 'takeoff', altRelM: 25 }));
      last = await reply;
      if (last.ok) break;
      await new Promise((res) => setTimeout(res, 1000));
    }
    ws.close();
    return last;
  });
  expect(result, result.reason).toMatchObject({ ok: true });
  const card = page.getByTestId('drone-JH-03');
  await expect(card.locator('.badge.armed')).toBeVisible();
  await expect
    .poll(async () => parseFloat((await card.getByTestId('alt').textContent()) ?? '0'), { timeout: 60_000 })
    .toBeGreaterThan(5);

  await page.getByTestId('lang').click();
  await expect(page.getByTestId('link')).toHaveText('Connected');
  await expect(page.locator('h1')).toHaveText('Kongxun patrol drone station');
  await page.screenshot({ path: testInfo.outputPath('console-en.png'), fullPage: true });
});
