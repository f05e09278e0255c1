/// <reference lib="dom" />
/**
 * Sign-in in Debian's Chromium (issue 14): a station started without users prints a one-time setup link that
 * creates the first administrator and lands them in the console, where they add a user; signing in as a pilot
 * (command buttons) and as a viewer (none: a read-only desk); signing out; a page of another origin on the
 * same machine cannot open the station's WebSocket even in a browser that is signed in.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { expect, test, type Page } from '@playwright/test';
import { TEST_PASSWORD } from '../sign-in.js';
import { serve, type Served } from './station.js';

let fresh: Served;
let station: Served;

test.beforeAll(async () => {
  [fresh, station] = await Promise.all([serve(['--no-plan'], { users: [] }), serve(['--no-plan'])]);
});
test.afterAll(() => {
  fresh?.stop();
  station?.stop();
});
test.use({ viewport: { width: 1600, height: 900 } });

async function signInWithForm(page: Page, url: string, user: string, password = TEST_PASSWORD): Promise<void> {
  await page.goto(url);
  await expect(page.getByTestId('signin-form')).toBeVisible();
  await page.getByTestId('signin-user').fill(user);
  await page.getByTestId('signin-password').fill(password);
  await page.getByTestId('signin-submit').click();
}

test('first start: the printed setup link creates the first administrator and their pilot twin; the administrator adds a user', async ({ page }, testInfo) => {
  expect(fresh.setupUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/setup\?token=[\w-]{32}$/);
  // Without the link, the console asks to sign in; nobody can.
  await page.goto(fresh.url);
  await expect(page.getByTestId('signin-form')).toBeVisible();
  await page.goto(fresh.setupUrl!);
  await expect(page.getByTestId('setup-form')).toContainText('创建管理员和飞手账号');
  await page.getByTestId('signin-user').fill('chief');
  await page.getByTestId('signin-password').fill('chief password 1');
  await page.getByTestId('signin-password2').fill('chief password 2');
  await page.getByTestId('signin-submit').click();
  await expect(page.getByTestId('signin-error')).toContainText('两次输入的密码不一致');
  await page.getByTestId('signin-password2').fill('chief password 1');
  await page.screenshot({ path: testInfo.outputPath('setup.png') });
  await page.getByTestId('signin-submit').click();
  // Into the console as the pilot twin, on the desk (the newcomer came to fly); the token is gone from the address.
  await expect(page.getByTestId('who')).toHaveText('chief-pilot · 飞手', { timeout: 30_000 }); // two scrypt hashes
  await expect(page.getByTestId('link')).toHaveText('已连接');
  expect(new URL(page.url()).pathname).toBe('/');
  expect(new URL(page.url()).searchParams.has('token')).toBe(false);
  // The administrator (same password) manages users.
  await page.getByTestId('sign-out').click();
  // Signing out reloads the page on its own: wait for that to end before going anywhere (a goto during it aborts).
  await expect(page.getByTestId('signin-form')).toBeVisible();
  await page.waitForLoadState('load');
  await signInWithForm(page, fresh.url, 'chief', 'chief password 1');
  await expect(page.getByTestId('who')).toHaveText('chief · 管理员');
  await page.getByTestId('view-users').click();
  await expect(page.getByTestId('users')).toBeVisible();
  // The link works once.
  const again = await page.request.post(`${fresh.url}api/setup`, { data: { token: new URL(fresh.setupUrl!).searchParams.get('token'), user: 'mallory', password: 'mallory password' } });
  expect(again.status()).toBe(403);

  await expect(page.getByTestId('user-chief')).toContainText('chief');
  await page.getByTestId('user-add-name').fill('wall-1');
  await page.getByTestId('user-add-role').selectOption('viewer');
  await page.getByTestId('user-add-password').fill('wall screen pw');
  await page.getByTestId('user-add').click();
  await expect(page.getByTestId('user-wall-1')).toContainText('wall-1');
  await expect(page.getByTestId('user-role-wall-1')).toHaveValue('viewer');
  // The last administrator cannot be disabled.
  await page.getByTestId('user-toggle-chief').click();
  await expect(page.getByTestId('users-message')).toContainText('last active administrator');
  await page.screenshot({ path: testInfo.outputPath('users.png') });
  // The administrator's desk: no command buttons, and the way to a pilot's account.
  await page.getByTestId('view-desk').click();
  await expect(page.getByTestId('read-only')).toContainText('用户');
  await expect(page.locator('[data-testid^="cmd-"]')).toHaveCount(0);
  await page.getByTestId('sign-out').click();
  await expect(page.getByTestId('signin-form')).toBeVisible();
  await signInWithForm(page, fresh.url, 'wall-1', 'wall screen pw');
  await expect(page.getByTestId('who')).toHaveText('wall-1 · 观看');
});

test('a pilot signs in and has the command buttons; signing out ends the session', async ({ page }) => {
  await signInWithForm(page, station.url, 'pilot', 'wrong password');
  await expect(page.getByTestId('signin-error')).toContainText('wrong user name or password');
  await page.getByTestId('signin-password').fill(TEST_PASSWORD);
  await page.getByTestId('signin-submit').click();
  await expect(page.getByTestId('who')).toHaveText('pilot · 飞手');
  await expect(page.getByTestId('link')).toHaveText('已连接');
  await expect(page.getByTestId('cmd-takeoff')).toBeVisible();
  await expect(page.getByTestId('view-users')).toHaveCount(0);
  await page.getByTestId('sign-out').click();
  await expect(page.getByTestId('signin-form')).toBeVisible();
  expect((await page.request.get(`${station.url}api/snapshot`)).status()).toBe(401);
});

test("a viewer's desk has no command buttons", async ({ page }, testInfo) => {
  await signInWithForm(page, station.url, 'viewer');
  await expect(page.getByTestId('who')).toHaveText('viewer · 观看');
  await expect(page.getByTestId('link')).toHaveText('已连接');
  await expect(page.locator('[data-testid^="drone-JH-"]')).toHaveCount(7);
  await expect(page.getByTestId('read-only')).toBeVisible();
  await expect(page.locator('[data-testid^="cmd-"]')).toHaveCount(0);
  // Keys do nothing either: no confirmation dialog for T (take off).
  await page.keyboard.press('t');
  await expect(page.getByTestId('confirm')).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath('viewer-desk.png') });
  await page.getByTestId('view-planner').click();
  await expect(page.getByTestId('upload')).toHaveCount(0);
});

test('a page of another origin on this machine cannot open the station socket, even signed in', async ({ page }) => {
  await signInWithForm(page, station.url, 'pilot');
  await expect(page.getByTestId('link')).toHaveText('已连接');
  // The attacker's page: 127.0.0.1 on another port (same site, so even a SameSite=Strict cookie goes along).
  const evil: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>evil</title>'));
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
  try {
    await page.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
    const target = station.url.replace(/^http/, 'ws');
    const outcome = await page.evaluate(
      (target) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(`${target}ws`);
          ws.onmessage = (e) => resolve(`message: ${String(e.data).slice(0, 40)}`);
          ws.onclose = (e) => resolve(`closed ${e.code}`);
        }),
      target,
    );
    expect(outcome).toBe('closed 1006');
    const api = await page.evaluate((u) => fetch(`${u}api/snapshot`, { credentials: 'include' }).then((r) => `status ${r.status}`, () => 'blocked'), station.url);
    // CORS keeps the answer from the page whatever the status; the station answered without CORS headers.
    expect(api).toBe('blocked');
  } finally {
    evil.close();
  }
});

test("a name from the station's file is shown as text on the map, never run as markup", async ({ page }) => {
  // A school named with an HTML payload in the jurisdiction file.
  const geo = JSON.parse(readFileSync(join('resources', 'samples', 'jinhai.geojson'), 'utf8')) as { features: { properties: Record<string, unknown> }[] };
  const payload = '<img src=x onerror="window.kxPwned=1">金海小学';
  geo.features.find((f) => f.properties.id === 'school-1')!.properties.name = payload;
  const file = join(mkdtempSync(join(tmpdir(), 'kx-xss-')), 'jinhai.geojson');
  writeFileSync(file, JSON.stringify(geo));
  const hostile = await serve(['--no-plan', '--station', file], { users: ['viewer'] });
  try {
    await signInWithForm(page, hostile.url, 'viewer');
    await expect(page.getByTestId('link')).toHaveText('已连接');
    const schools = page.locator('.kx-school');
    await expect(schools).toHaveCount(4);
    // Hover each school until the hostile one's tooltip shows.
    for (let i = 0; i < 4; i++) {
      await schools.nth(i).hover();
      if ((await page.locator('.kx-tip').textContent().catch(() => ''))?.includes('金海小学')) break;
    }
    await expect(page.locator('.kx-tip')).toHaveText(payload);
    await expect(page.locator('.kx-tip img')).toHaveCount(0);
    expect(await page.evaluate(() => (window as unknown as { kxPwned?: number }).kxPwned)).toBeUndefined();
  } finally {
    hostile.stop();
  }
});
