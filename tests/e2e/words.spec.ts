/**
 * The patrol runner's alerts in the console's language (issue 15): a runner started mid-day on a simulated
 * day says, by code, that the sorties before it were missed; the Chinese desk and wall word it in Chinese
 * (no English sentence of the runner on them), the English console in English — the same alert.
 */
import { mkdirSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { simDayConsole, type SimConsole } from './sim-console.js';
import { signInPage } from '../sign-in.js';

const SHOTS = process.env.KONGXUN_SCREENS ?? '';
const T = (hhmm: string) => Date.parse(`2026-11-24T${hhmm}:00+08:00`);

async function shot(page: Page, name: string, testInfo: { outputPath(n: string): string }) {
  await page.screenshot({ path: testInfo.outputPath(name) });
  if (SHOTS) {
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: `${SHOTS}/${name}` });
  }
}

let sim: SimConsole;
test.afterEach(async () => sim?.close());

test('a runner alert reads in Chinese on the Chinese console and in English on the English one', async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  // Started at 03:03 station time: the sorties before can no longer be flown (one summary alert, by code).
  sim = await simDayConsole({ startAtMs: T('03:03'), until: () => true });
  const alerts = sim.day.store.alerts();
  const summary = alerts.find((a) => a.said?.code === 'missed-summary');
  expect(summary, JSON.stringify(alerts)).toBeDefined();
  const n = summary!.said!.args!.count!;
  await page.setViewportSize({ width: 1600, height: 900 });
  await signInPage(page, sim.url, sim.user);
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
