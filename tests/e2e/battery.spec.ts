/// <reference lib="dom" />
/**
 * The desk card's battery time (issue 15) in Chromium against `kongxun serve` on the simulated fleet: a drone
 * whose flights taught the station its pack (DATA/battery/sys11.json, written before the start as a past day
 * leaves it) shows on the ground what a flight would get — 可飞 N 分钟, the endurance at its learned flight
 * power to the 25 % reserve — and a drone never flown says it is still learning, never an idle-current figure.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { signInPage } from '../sign-in.js';
import { serve, type Served } from './station.js';

let station: Served;
// 3.5 Wh per % in every band, 340 W in flight: from 100 % to the 25 % reserve 262.5 Wh → 46 min.
const MODEL = {
  version: 1, whPerPct: Array(10).fill(3.5), steps: Array(10).fill(20),
  flightW: 340, hoverW: 323, cruiseW: 370, flightS: 6000, hoverS: 3000, cruiseS: 2500,
};

test.beforeAll(async () => {
  station = await serve([], {
    prepare: (data) => {
      mkdirSync(join(data, 'battery'), { recursive: true });
      writeFileSync(join(data, 'battery', 'sys11.json'), JSON.stringify(MODEL));
    },
  });
});
test.afterAll(() => station?.stop());
test.beforeEach(async ({ page }) => signInPage(page, station.url, 'pilot'));
test.use({ viewport: { width: 1600, height: 900 } });

test('desk: a learned drone on the ground shows 可飞 (its flight endurance), a new one 电量学习中', async ({ page }, testInfo) => {
  await page.goto(station.url);
  await page.getByTestId('view-desk').click();
  const learned = page.getByTestId('drone-JH-01').getByTestId('battery-left');
  await expect(learned).toHaveText(/ · 可飞 \d+ 分钟/, { timeout: 30_000 });
  await expect(learned).toHaveAttribute('data-kind', 'endurance');
  // Said for what it is: learned from its flights (a figure from BATT_CAPACITY alone says 按参数估计).
  await expect(learned.getByTestId('battery-source')).toHaveText(' (本机学习)');
  await expect(learned.getByTestId('battery-source')).toHaveAttribute('data-source', 'learned');
  const min = Number(/(\d+) 分钟/.exec((await learned.textContent())!)![1]);
  expect(Math.abs(min - 46)).toBeLessThanOrEqual(1);
  await expect(page.getByTestId('drone-JH-02').getByTestId('battery-left')).toHaveText(' · 电量学习中');
  await page.getByTestId('drone-JH-01').screenshot({ path: testInfo.outputPath('card-battery-zh.png') });

  await page.getByTestId('lang').click();
  await expect(learned).toHaveText(/ · can fly \d+ min \(learned\)/);
  await expect(page.getByTestId('drone-JH-02').getByTestId('battery-left')).toHaveText(' · learning the pack');
});
