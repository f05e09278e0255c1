/**
 * The screens say what happened, not what was planned: right after startup with nothing flown the wall counts
 * 0 and the plan is labelled 未执行; on a simulated day on virtual time the wall counts exactly the sorties the
 * runner flew, the timeline draws the flown bar beneath the planned one, the drone card shows the runner's
 * sortie; a runner started mid-day shows the sorties it missed as missed.
 */
import { expect, test } from '@playwright/test';
import { shot, SHOTS } from './screens.js';
import { serve, type Served } from './station.js';
import { LATE_START_MS, simDayPage, type SimConsole } from './sim-console.js';
import { signInPage } from '../sign-in.js';

test.describe('startup with nothing flown', () => {
  // A browser in another zone than the station's: every time shown must still be the station's.
  test.use({ timezoneId: 'America/Los_Angeles' });
  let station: Served;
  test.beforeAll(async () => {
    station = await serve();
  });
  test.afterAll(() => station?.stop());

  test('the wall counts 0 flown and labels the plan 未执行; the timeline and the cards claim nothing', async ({ page }, testInfo) => {
    const notFound: string[] = [];
    page.on('response', (r) => r.status() === 404 && notFound.push(r.url()));
    await page.setViewportSize({ width: 1600, height: 900 });
    await signInPage(page, station.url, 'viewer');
    await page.goto(`${station.url}?view=wall`);
    await expect(page.getByTestId('plan-unexecuted')).toContainText('未执行');
    // A favicon of its own, inline: no /favicon.ico 404.
    await expect(page.locator('link[rel="icon"]')).toHaveAttribute('href', /^data:image\/svg\+xml,/);
    await expect(page.getByTestId('c-flown')).toHaveText('0');
    await expect(page.getByTestId('c-minutes')).toHaveText('0');
    await expect(page.getByTestId('c-airborne')).toHaveText('0 / 7');
    await expect(page.getByTestId('station-tz')).toHaveText('Asia/Shanghai UTC+8');
    await page.waitForTimeout(500);
    await shot(page, 'wall-startup-zh.png', testInfo);

    await page.getByTestId('view-timeline').click();
    await expect(page.getByTestId('plan-unexecuted')).toBeVisible();
    const planned = await page.locator('.sortie.plan').count();
    expect(planned).toBeGreaterThan(60);
    await expect(page.locator('.sortie.plan[data-state="unexecuted"]')).toHaveCount(planned);
    await expect(page.locator('g.flown')).toHaveCount(0);
    await expect(page.getByTestId('flown-count')).toHaveText('0');
    await shot(page, 'timeline-startup-zh.png', testInfo);

    // No card claims a sortie from the plan's clock.
    await page.getByTestId('view-desk').click();
    await expect(page.locator('[data-testid^="drone-JH-"]')).toHaveCount(7);
    for (const el of await page.locator('[data-testid^="drone-JH-"] [data-testid="sortie"]').all()) await expect(el).toHaveText('无');
    // Event times are the station's (Asia/Shanghai), not the browser's (Los Angeles, 16 h behind).
    const first = (await page.getByTestId('events').locator('.time').first().textContent())!;
    const [h, m, sec] = first.split(':').map(Number);
    const shanghaiS = ((Date.now() / 1000 + 8 * 3600) % 86_400 + 86_400) % 86_400;
    const d = Math.abs(h! * 3600 + m! * 60 + sec! - shanghaiS);
    expect(Math.min(d, 86_400 - d)).toBeLessThan(600);
    await page.getByTestId('drone-JH-02').screenshot({ path: testInfo.outputPath('card-idle-zh.png') });

    await page.getByTestId('lang').click();
    await page.getByTestId('view-wall').click();
    await expect(page.getByTestId('plan-unexecuted')).toContainText('not executed');
    await expect(page.locator('.counter span', { hasText: 'Airborne' })).toHaveCount(1);
    expect(notFound).toEqual([]);
  });
});

test.describe('a simulated day on virtual time', () => {
  let sim: SimConsole;
  test.afterEach(async () => sim?.close());

  test('after two flown sorties the wall shows exactly two; planned and flown bars; the card has the runner’s sortie', async ({ page }, testInfo) => {
    test.setTimeout(240_000);
    sim = await simDayPage(page, { until: (d) => d.runner.list().filter((s) => s.landedAtMs !== null).length >= 2 });
    const landed = sim.day.runner.list().filter((s) => s.landedAtMs !== null);
    expect(landed.map((s) => s.id)).toEqual(['P001', 'P002']);
    const flying = sim.day.runner.list().find((s) => s.state === 'on_patrol' || s.state === 'launching');

    await page.goto(`${sim.url}?view=wall`);
    await expect(page.getByTestId('c-flown')).toHaveText('2');
    await expect(page.getByTestId('plan-unexecuted')).toHaveCount(0);
    await page.waitForTimeout(500);
    await shot(page, 'wall-two-flown-zh.png', testInfo);

    await page.getByTestId('view-timeline').click();
    await expect(page.getByTestId('flown-count')).toHaveText('2');
    for (const id of ['P001', 'P002']) {
      await expect(page.getByTestId(`flown-${id}`)).toHaveAttribute('data-outcome', /^(flown|late)$/);
      await expect(page.getByTestId(`sortie-${id}`)).toHaveAttribute('data-state', /^(flown|late)$/);
    }
    // Later sorties are planned, not done.
    await expect(page.getByTestId('sortie-P010')).toHaveAttribute('data-state', 'planned');
    await shot(page, 'timeline-two-flown-zh.png', testInfo);

    // The card of the drone flying now shows the runner's sortie; a drone on the ground shows none.
    await page.getByTestId('view-desk').click();
    if (flying) await expect(page.getByTestId(`drone-${flying.droneId}`).getByTestId('sortie')).toContainText(flying.id);
    const idle = sim.day.day.fleet.drones.find((d) => !sim.day.runner.busyWith(d.sysid))!;
    await expect(page.getByTestId(`drone-${idle.id}`).getByTestId('sortie')).toHaveText('无');
    await page.getByTestId(`drone-${flying?.droneId ?? 'JH-01'}`).screenshot({ path: testInfo.outputPath('card-flying-zh.png') });
    if (SHOTS) await page.getByTestId(`drone-${flying?.droneId ?? 'JH-01'}`).screenshot({ path: `${SHOTS}/card-flying-zh.png` });
  });

  test('a runner started mid-day shows the sorties it missed as missed', async ({ page }, testInfo) => {
    test.setTimeout(240_000);
    sim = await simDayPage(page, { startAtMs: LATE_START_MS, until: (d) => d.runner.list().find((s) => s.id === 'P010')?.state === 'on_patrol' });
    await page.goto(`${sim.url}?view=timeline`);
    for (const id of ['P001', 'P005', 'P009']) await expect(page.getByTestId(`sortie-${id}`)).toHaveAttribute('data-state', 'missed');
    await expect(page.getByTestId('sortie-P010')).toHaveAttribute('data-state', 'flying');
    await expect(page.getByTestId('flown-P010')).toHaveAttribute('data-outcome', 'flying');
    await expect(page.getByTestId('flown-count')).toHaveText('0');
    await expect(page.getByTestId('sortie-P005').locator('title')).toContainText('未飞（错过）');
    await expect(page.getByTestId('sortie-P005').locator('title')).toContainText('station not running');
    await shot(page, 'timeline-missed-zh.png', testInfo);
    await page.getByTestId('view-wall').click();
    await expect(page.getByTestId('c-missed')).toHaveText('9');
    await expect(page.getByTestId('c-flown')).toHaveText('0');
    await page.waitForTimeout(500);
    await shot(page, 'wall-missed-zh.png', testInfo);
  });
});
