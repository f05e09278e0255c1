/**
 * The patrol runner's alerts in the console's language (issue 15): a runner started mid-day on a simulated
 * day says, by code, that the sorties before it were missed; the Chinese desk and wall word it in Chinese
 * (no English sentence of the runner on them), the English console in English — the same alert.
 */
import { expect, test } from '@playwright/test';
import { shot } from './screens.js';
import { LATE_START_MS, simDayPage, type SimConsole } from './sim-console.js';

let sim: SimConsole;
test.afterEach(async () => sim?.close());

test('a runner alert reads in Chinese on the Chinese console and in English on the English one', async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  // Started at 03:03 station time: the sorties before can no longer be flown (one summary alert, by code).
  sim = await simDayPage(page, { startAtMs: LATE_START_MS, until: () => true });
  const alerts = sim.day.store.alerts();
  const summary = alerts.find((a) => a.said?.code === 'missed-summary');
  expect(summary, JSON.stringify(alerts)).toBeDefined();
  const n = summary!.said!.args!.count!;
  await page.goto(`${sim.url}?view=wall`);
  const events = page.getByTestId('events');
  await expect(events).toContainText(`${n} 个架次未执行（03:03 前站点未运行）：P001`);
  await expect(events).not.toContainText('sorties missed');
  await page.waitForTimeout(500);
  await shot(page, 'wall-alert-zh.png', testInfo);

  await page.getByTestId('view-desk').click();
  await expect(page.getByTestId('events')).toContainText(`${n} 个架次未执行`);
  await shot(page, 'desk-alert-zh.png', testInfo);

  await page.getByTestId('lang').click();
  await expect(page.getByTestId('events')).toContainText(`${n} sorties missed (station not running before 03:03): P001`);
});
