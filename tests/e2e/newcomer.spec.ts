/// <reference lib="dom" />
/**
 * The newcomer's path in Debian's Chromium, from the README's first command: `npm start` on a fresh machine
 * (no Electron here, so the web console; a fresh data folder, no accounts) prints a one-time setup link; the
 * link's form creates the newcomer's administrator and pilot twin and signs them in as the pilot, on the
 * dispatch desk, where a simulated drone takes off. Then the administrator account manages users.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';

let proc: ChildProcess | undefined;
let printed = '';
let setupUrl = '';

test.beforeAll(async () => {
  const data = mkdtempSync(join(tmpdir(), 'kongxun-newcomer-'));
  // What `npm start -- ARGS` runs: bin/start.mjs (here without Electron's binary: the web console).
  proc = spawn(process.execPath, ['bin/start.mjs', '--port', '0', '--data', data, '--sim-warmup', '3'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, KONGXUN_NO_ELECTRON: '1' },
  });
  setupUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start printed no setup link: ${printed}`)), 90_000);
    proc!.stdout!.on('data', (b: Buffer) => {
      printed += b.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/setup\?token=[\w-]+)/.exec(printed);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc!.on('exit', (code) => reject(new Error(`npm start exited ${code}: ${printed}`)));
  });
});
test.afterAll(() => {
  proc?.kill('SIGTERM');
});
test.use({ viewport: { width: 1600, height: 900 } });

test('npm start on a fresh machine: the printed link leads straight to a desk where a simulated drone flies', async ({ page }, testInfo) => {
  expect(printed).toContain('pilot (飞手)');
  await page.goto(setupUrl);
  await expect(page.getByTestId('setup-form')).toContainText('创建管理员和飞手账号');
  await page.getByTestId('signin-user').fill('zhang');
  await expect(page.getByTestId('setup-accounts')).toContainText('zhang · zhang-pilot');
  await page.getByTestId('signin-password').fill('newcomer password');
  await page.getByTestId('signin-password2').fill('newcomer password');
  await page.screenshot({ path: testInfo.outputPath('newcomer-setup.png') });
  await page.getByTestId('signin-submit').click();

  // Signed in as the pilot twin, on the desk, with the simulated fleet and its command buttons.
  await expect(page.getByTestId('who')).toHaveText('zhang-pilot · 飞手', { timeout: 30_000 }); // two scrypt hashes (128 MiB each)
  await expect(page.getByTestId('link')).toHaveText('已连接');
  expect(new URL(page.url()).searchParams.has('token')).toBe(false);
  await expect(page.locator('[data-testid^="drone-JH-"]')).toHaveCount(7);
  const card = page.getByTestId('drone-JH-01');
  await card.click();
  await expect(page.getByTestId('cmd-takeoff')).toBeVisible();
  // The simulated drone needs its position estimate first: the pilot tries until the take-off is accepted.
  const first = page.getByTestId('result').first().getByTestId('result-text');
  let accepted = false;
  for (let i = 0; i < 30 && !accepted; i++) {
    await page.getByTestId('cmd-takeoff').click();
    await page.getByTestId('confirm-ok').click();
    await expect(first).not.toHaveText('发送中…', { timeout: 30_000 });
    accepted = (await first.textContent()) === '已接受';
    if (!accepted) await page.waitForTimeout(1000);
  }
  expect(accepted).toBe(true);
  await expect.poll(async () => parseFloat((await card.getByTestId('alt').textContent()) ?? '0'), { timeout: 60_000 }).toBeGreaterThan(5);
  await page.screenshot({ path: testInfo.outputPath('newcomer-flying.png') });

  // The administrator account (same password) manages users; it has no command buttons.
  await page.getByTestId('sign-out').click();
  await expect(page.getByTestId('signin-form')).toBeVisible();
  await page.getByTestId('signin-user').fill('zhang');
  await page.getByTestId('signin-password').fill('newcomer password');
  await page.getByTestId('signin-submit').click();
  await expect(page.getByTestId('who')).toHaveText('zhang · 管理员');
  await expect(page.locator('[data-testid^="cmd-"]')).toHaveCount(0);
  await page.getByTestId('view-users').click();
  await expect(page.getByTestId('user-zhang-pilot')).toContainText('zhang-pilot');
  // The link worked once.
  const again = await page.request.post(new URL('/api/setup', setupUrl).href, { data: { token: new URL(setupUrl).searchParams.get('token'), user: 'mallory', password: 'mallory password' } });
  expect(again.status()).toBe(403);
});
