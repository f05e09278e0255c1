/**
 * The centre console in Chromium: a real Mosquitto (TLS, password file, ACL), `kongxun centre`, the sample
 * station as `kongxun serve --centre …` (its simulated fleet, no patrol: it refuses to send a drone and says
 * why) and two generated stations (station/centre/testkit/station-child.ts, one raising an alert). The page
 * shows the three stations and their drones, an alert is acknowledged, a dispatch is sent to a chosen station
 * and its answer shown, and another to the sample station comes back refused with the reason.
 */
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { centreStack, type CentreStack } from './centre-stack.js';
import { TEST_PASSWORD } from '../sign-in.js';

let stack: CentreStack;
let url: string;

test.beforeAll(async () => {
  // The centre's console signs in with the station's accounts and roles: a dispatcher on duty.
  stack = await centreStack({ name: 'centre', tls: true, brokerUsers: ['gen2', 'gen3'], centreAccounts: [['dispatcher', '值班员王']], serve: ['--sim-warmup', '3'] });
  url = stack.centreUrl;
  const { broker, ca, dir, children } = stack;
  await children.start(['--import', 'tsx', 'station/centre/testkit/station-child.ts', broker.url, 'gen2', broker.password('gen2'), ca!, join(dir, 'gen2'), '30', '24.62', '118.30'], /up/);
  await children.start(['--import', 'tsx', 'station/centre/testkit/station-child.ts', broker.url, 'gen3', broker.password('gen3'), ca!, join(dir, 'gen3'), '30', '24.55', '118.22', '东门人员聚集'], /up/);
});

test.afterAll(async () => stack?.close());

test('the centre console: three stations on one map, an alert acknowledged, dispatches answered', async ({ page }, testInfo) => {
  await page.goto(url);
  // No session: the sign-in form, and nothing of the console.
  await expect(page.locator('#signin')).toBeVisible();
  await expect(page.locator('#console')).toBeHidden();
  await page.locator('#user').fill('值班员王');
  await page.locator('#password').fill('wrong password');
  await page.locator('#signinbtn').click();
  await expect(page.locator('#signinmsg')).toContainText('wrong user name or password');
  await page.locator('#password').fill(TEST_PASSWORD);
  await page.locator('#signinbtn').click();
  await expect(page.locator('#me')).toContainText('值班员王 · 值班调度 dispatcher');
  await expect(page.locator('#console h2').first()).toHaveText('站点 Stations');
  for (const s of ['jinhai', 'gen2', 'gen3']) await expect(page.locator(`tr[data-station="${s}"]`)).toContainText('在线 online');
  await expect(page.locator('tr[data-station="jinhai"]')).toContainText('jinhai (jinhai)');
  // Every station's drones on the one map: the sample's fleet (with positions after warm-up) and 2 + 2.
  await expect.poll(async () => page.locator('.leaflet-interactive').count(), { timeout: 60_000 }).toBeGreaterThanOrEqual(6);

  // The alert from gen3, acknowledged by the signed-in dispatcher.
  const alert = page.locator('#alerts tr', { hasText: '东门人员聚集' });
  await expect(alert).toContainText('严重 critical');
  await alert.getByRole('button', { name: '确认 Ack' }).click();
  await expect(alert).toContainText('已确认 acked: 值班员王');

  // "Go and look here" to gen2: click the map, choose the station, confirm.
  page.on('dialog', (d) => void d.accept());
  await page.locator('#map').click({ position: { x: 300, y: 300 } });
  await expect(page.locator('#point')).toContainText('地点 Point');
  await page.locator('#to').selectOption('gen2');
  await page.locator('#text').fill('群众报警');
  await page.locator('#send').click();
  await expect(page.locator('#sendmsg')).toContainText('已发送 sent to gen2');
  await expect(page.locator('#requests tr').first()).toContainText('已受理 queued');

  // The sample station runs no patrol: it refuses, and says why.
  await page.locator('#to').selectOption('jinhai');
  await page.locator('#send').click();
  await expect(page.locator('#sendmsg')).toContainText('已发送 sent to jinhai');
  const refused = page.locator('#requests tr', { hasText: 'jinhai' }).first();
  await expect(refused).toContainText('拒绝 refused');
  await expect(refused).toContainText('no scheduled patrol runs on this station');
  await page.screenshot({ path: testInfo.outputPath('centre-zh.png') });
});
