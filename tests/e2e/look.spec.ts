/**
 * "Go and look here" from the desk (`kongxun serve --patrol DIR`, today's plan of the sample station): the
 * pilot right-clicks the map, sets priority, radius and time on scene, and the station's dispatcher picks the
 * drone; the desk shows which drone goes and its ETA, its arrival, and its return to its dock.
 */
import { mkdirSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { planToday, serve, type Served } from './station.js';
import { signInPage } from '../sign-in.js';

let station: Served;
const SHOTS = process.env.KONGXUN_SCREENS ?? '';

test.beforeAll(async () => {
  // The day after tomorrow's plan: the runner and its dispatcher run, and no sortie flies or is due soon, so
  // every docked drone is free to go — at any time of day (with today's plan, which drones are free depends on
  // the clock: a patrol drone, or none for minutes).
  station = await serve(['--patrol', planToday('look-e2e', 2)]);
});

test.afterAll(() => station?.stop());

test('right-click the map: the station picks the drone, the desk shows it going with its ETA, on scene, and back', async ({ page }, testInfo) => {
  test.setTimeout(420_000);
  await page.setViewportSize({ width: 1600, height: 900 });
  // The duty dispatcher asks (值班调度 may send a drone to look; the station's dispatcher picks which).
  await signInPage(page, station.url, 'dispatcher');
  await page.goto(station.url);
  await expect(page.getByTestId('link')).toHaveText('已连接');
  // Every drone past its warm-up (a home, every sensor healthy). The dispatcher picks among the drones
  // it can fly now, so one asked during the warm-up may send the other dock's drone, 2 km away (JH-06/07).
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { kongxunStore: { getState(): { vehicles: { homeLatDeg: number | null; unhealthySensors: string[] }[] } } }).kongxunStore.getState().vehicles.filter((v) => v.homeLatDeg !== null && v.unhealthySensors.length === 0).length), { timeout: 60_000 })
    .toBe(7);
  // A point a few hundred metres from the docks, right-clicked on the map.
  // JH-01 on its own, or in its dock's stack of drones on the ground.
  const marker = page.locator('.kx-drone:not(.stacked), .kx-stack').filter({ hasText: 'JH-01' });
  await expect(marker).toBeVisible();
  const b = (await marker.boundingBox())!;
  await page.mouse.click(b.x + b.width / 2 + 30, b.y + b.height / 2 - 30, { button: 'right' });
  const dialog = page.getByTestId('look-dialog');
  await expect(dialog).toContainText('到这里看看');
  await page.getByTestId('look-priority').selectOption('3');
  await page.getByTestId('look-radius').fill('40');
  await page.getByTestId('look-hold').fill('10');
  await page.getByTestId('look-send').click();
  await expect(dialog).toHaveCount(0);

  // The station's dispatcher picks the drone: which one goes, and when it will be there.
  const d = page.getByTestId('dispatch-D001');
  await expect(d).toContainText('特急');
  await expect(d.getByTestId('dispatch-line')).toContainText(/JH-0[1-5] 前往（机巢起飞）/, { timeout: 60_000 });
  await expect(d.getByTestId('dispatch-line')).toContainText(/预计 \d+ 分 \d\d 秒到达/);
  await page.screenshot({ path: testInfo.outputPath('desk-look-en-route-zh.png') });
  if (SHOTS) {
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: `${SHOTS}/desk-look-en-route-zh.png` });
  }
  // On scene (camera on the point, held 40 m off it: the simulated ArduCopter has no orbit command, so none is
  // sent and none refused), then back in its dock.
  await expect(d).toHaveAttribute('data-state', /on_scene|returning|done/, { timeout: 180_000 });
  await expect(d.getByTestId('dispatch-line')).toContainText('到达');
  await expect(d).toHaveAttribute('data-state', 'done', { timeout: 180_000 });
  await expect(d).toContainText('已返回机巢');
  await expect(d.getByTestId('dispatch-note')).toHaveCount(0);
});
