/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Drones at one dock are not drawn on top of each other (issue 15): on the built-in simulated fleet every drone
 * standing with others on the ground is in one dock marker with its count and names; a click lists them and
 * picking one selects it (its card, and the stack marked); a drone that takes off leaves its stack and is
 * drawn on its own, the stack's count going down.
 */
import { expect, test, type Page } from '@playwright/test';
import { signInPage } from '../sign-in.js';
import { shot } from './screens.js';
import { serve, type Served } from './station.js';

let station: Served;

test.beforeAll(async () => {
  station = await serve();
});
test.afterAll(() => station?.stop());
test.use({ viewport: { width: 1600, height: 900 } });


const stacked = (page: Page) => page.evaluate(() => [...document.querySelectorAll<HTMLElement>('[data-testid="dock-stack"]')].map((e) => e.dataset.drones!.split(',')));

test('a dock shows its drones as one marker with a count and a list; each is still selectable', async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  await signInPage(page, station.url, 'pilot');
  await page.goto(station.url);
  await expect(page.getByTestId('link')).toHaveText('已连接');
  await expect(page.locator('[data-testid^="drone-JH-"]')).toHaveCount(7);
  // The sample fleet stands at two docks: five drones and two.
  await expect.poll(async () => (await stacked(page)).map((s) => s.length).sort()).toEqual([2, 5]);
  const groups = await stacked(page);
  expect(groups.flat().sort()).toEqual(['JH-01', 'JH-02', 'JH-03', 'JH-04', 'JH-05', 'JH-06', 'JH-07']);
  // No arrow of a stacked drone is drawn; the stack shows the count and names.
  await expect(page.locator('.kx-drone:not(.stacked)')).toHaveCount(0);
  const five = page.locator('[data-testid="dock-stack"][data-drones="JH-01,JH-02,JH-03,JH-04,JH-05"]');
  await expect(five.locator('.kx-stack-count')).toHaveText('5');
  await expect(five.locator('.kx-label')).toHaveText('JH-01 · JH-02 · JH-03 +2');
  await shot(page, 'desk-dock-stacks-zh.png', testInfo);

  // A click lists them; picking JH-04 selects it.
  await five.click();
  const list = page.getByTestId('dock-stack-list');
  await expect(list).toContainText('此处地面上 5 架无人机');
  await expect(list.locator('button')).toHaveCount(5);
  await shot(page, 'desk-dock-stack-list-zh.png', testInfo);
  await list.getByTestId('stack-JH-04').click();
  await expect(list).toHaveCount(0);
  await expect(page.getByTestId('drone-JH-04')).toHaveClass(/selected/);
  await expect(five).toHaveClass(/selected/);

  // JH-04 takes off: it leaves the stack and has its own arrow again. Right after the start a simulated drone
  // may still be warming up (ArduCopter refuses to arm: Need Position Estimate); a pilot tries again, as here
  // (bounded), and anything else refused is a failure.
  for (let k = 0; ; k++) {
    await page.keyboard.press('t');
    await expect(page.getByTestId('confirm')).toBeVisible();
    await page.getByTestId('confirm-ok').click();
    const latest = page.getByTestId('result').first();
    await expect(latest).not.toHaveClass(/pending/, { timeout: 30_000 });
    if ((await latest.getAttribute('class')) === 'ok') break;
    const why = await latest.getByTestId('result-text').innerText();
    expect(why, 'take-off refused for a reason other than the warm-up').toMatch(/Need Position Estimate|Need 3D Fix|EKF/);
    expect(k, 'still warming up after 10 tries').toBeLessThan(10);
    await page.waitForTimeout(2000);
  }
  await expect(page.locator('.kx-drone:not(.stacked)', { hasText: 'JH-04' })).toBeVisible({ timeout: 60_000 });
  await expect(page.locator('[data-testid="dock-stack"][data-drones="JH-01,JH-02,JH-03,JH-05"] .kx-stack-count')).toHaveText('4');
  await page.waitForTimeout(500);
  await shot(page, 'desk-dock-stack-takeoff-zh.png', testInfo);
});
