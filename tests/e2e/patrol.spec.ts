/**
 * The desk under the scheduled patrol (`kongxun serve --patrol DIR`, the sample station's plan of the day after
 * tomorrow): the selected drone's patrol line says what the patrol has it doing; any command from the desk
 * takes the drone over (the line says so); 交还巡逻 gives it back, after a confirmation.
 */
import { expect, test } from '@playwright/test';
import { signInPage } from '../sign-in.js';
import { planToday, serve, type Served } from './station.js';

let station: Served;

test.beforeAll(async () => {
  // The day after tomorrow's plan: the runner holds every drone and none flies a sortie or is due to, whatever
  // the hour. With today's plan JH-06 flew its school sortie S014 from 16:42 to 17:22 station time, and a run
  // in that window (or at one of its launches) found it in the air instead of standing by.
  station = await serve(['--patrol', planToday('patrol-e2e', 2)]);
});

test.afterAll(() => station?.stop());

// Every page of this spec is the pilot's, signed in (tests/sign-in.ts).
test.beforeEach(async ({ page }) => signInPage(page, station.url, 'pilot'));

test('patrol takeover from the desk, and giving the drone back with confirmation', async ({ page }, testInfo) => {
  await page.goto(station.url);
  await expect(page.getByTestId('link')).toHaveText('已连接');
  await page.getByTestId('drone-JH-06').click();
  const line = page.getByTestId('patrol-line');
  await expect(line).toContainText('自动巡逻：待命');
  await expect(page.getByTestId('patrol-taken')).toHaveCount(0);

  // Any command from the desk takes the drone over (the simulator may refuse the pause on the ground; the
  // takeover stands either way).
  await page.getByTestId('cmd-pause').click();
  await expect(page.getByTestId('patrol-taken')).toContainText('人工接管中');
  await expect(line).toHaveClass(/taken/);
  await page.screenshot({ path: testInfo.outputPath('patrol-taken-zh.png') });

  // Giving it back asks first; cancelling keeps the takeover.
  await page.getByTestId('cmd-release').click();
  await expect(page.getByTestId('confirm')).toContainText('把 JH-06 交还自动巡逻');
  await page.getByTestId('confirm-cancel').click();
  await expect(page.getByTestId('patrol-taken')).toBeVisible();
  await page.getByTestId('cmd-release').click();
  await page.getByTestId('confirm-ok').click();
  await expect(page.getByTestId('result').first()).toContainText('JH-06 交还巡逻');
  await expect(page.getByTestId('result').first()).toHaveClass(/ok/, { timeout: 10_000 });
  await expect(page.getByTestId('patrol-taken')).toHaveCount(0);
  await expect(line).toContainText('自动巡逻：待命');

  // With nothing taken over there is nothing to give back.
  await expect(page.getByTestId('cmd-release')).toHaveCount(0);
});
