/// <reference lib="dom" />
/**
 * The web console in Debian's Chromium against `kongxun serve` on the built-in simulated fleet, with a day
 * plan (--plan) and an offline basemap (--tiles) the test writes. Everything is done through the UI, as the
 * pilot does it: see the fleet on the map, take off a drone with the confirmation dialog and watch its
 * altitude rise, send it to a point clicked on the map, read the day timeline, the wall screen, the planner,
 * switch the basemap and the language. Screenshots of each view are saved as test artifacts.
 */
import { expect, test, type Page } from '@playwright/test';
import { groundDistanceM } from '../../common/geo.js';
import { signInPage } from '../sign-in.js';
import { serve, writeMbtiles, writePlan, type Served } from './station.js';

let station: Served;
let startedMs = 0;

test.beforeAll(async () => {
  startedMs = Date.now();
  station = await serve(['--plan', writePlan(), '--tiles', await writeMbtiles()]);
});

test.afterAll(() => station?.stop());

// Every page of this spec is the pilot's, signed in (tests/sign-in.ts).
test.beforeEach(async ({ page }) => signInPage(page, station.url, 'pilot'));

test.use({ viewport: { width: 1600, height: 900 } });

type Probe = { latDeg: number | null; lonDeg: number | null; mode: string; altRelM: number | null };
async function vehicle(page: Page, id: string): Promise<Probe> {
  return page.evaluate((id) => {
    const s = (window as unknown as { kongxunStore: { getState(): { vehicles: (Probe & { id: string })[] } } }).kongxunStore.getState();
    return s.vehicles.find((v) => v.id === id)!;
  }, id);
}


test('dispatch desk: fleet on the map, take off with confirmation, go to a clicked point, language', async ({ page }, testInfo) => {
  await page.goto(station.url);
  await expect(page.getByTestId('link')).toHaveText('已连接');
  await expect(page.locator('[data-testid^="drone-JH-"]')).toHaveCount(7);
  await expect(page.getByTestId('station')).toContainText('jinhai');
  // Every drone is a heading arrow on the map; those standing together on the ground are one marker with their
  // count and names (the dock's stack).
  await expect(page.locator('.kx-drone')).toHaveCount(7);
  await expect(page.locator('.kx-drone:not(.stacked) .kx-label, .kx-stack .kx-label').filter({ hasText: 'JH-07' })).toBeVisible();

  const card = page.getByTestId('drone-JH-03');
  await card.click();
  await expect(card).toHaveClass(/selected/);
  await expect(page.locator('.attitude .panel-title')).toContainText('JH-03');
  // The simulated drones are ArduCopters, which have no orbit command: the button says so, and O does nothing.
  await expect(page.getByTestId('cmd-orbit')).toBeDisabled();
  await expect(page.getByTestId('cmd-orbit')).toHaveAttribute('title', 'ArduPilot 没有环绕指令（MAV_CMD_DO_ORBIT 不受支持）：请用“飞往”或“到这里看看”');
  await page.keyboard.press('o');
  await expect(page.getByTestId('pick-hint')).toHaveCount(0);

  // Take off: the button asks first; cancelling sends nothing.
  await page.getByTestId('cmd-takeoff').click();
  await expect(page.getByTestId('confirm')).toContainText('JH-03 起飞至 30 米');
  await page.getByTestId('confirm-cancel').click();
  await expect(page.getByTestId('confirm')).toHaveCount(0);
  await expect(page.getByTestId('result')).toHaveCount(0);
  // Force disarm (abort) asks too, with a warning.
  await page.getByTestId('cmd-abort').click();
  await expect(page.getByTestId('confirm')).toContainText('强制上锁 JH-03');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('confirm')).toHaveCount(0);
  await expect(page.getByTestId('result')).toHaveCount(0);

  // The simulated drone needs its position estimate first (3 s warm-up): a refusal is shown with the
  // autopilot's reason; the pilot tries again until it is accepted.
  const first = page.getByTestId('result').first().getByTestId('result-text');
  let accepted = false;
  for (let i = 0; i < 20 && !accepted; i++) {
    await page.getByTestId('cmd-takeoff').click();
    await page.getByTestId('confirm-ok').click();
    await expect(first).not.toHaveText('发送中…', { timeout: 30_000 });
    const text = (await first.textContent()) ?? '';
    accepted = text === '已接受';
    if (!accepted) {
      expect(text).toMatch(/^被拒绝 · /);
      await page.waitForTimeout(1000);
    }
  }
  expect(accepted).toBe(true);
  await expect(card.locator('.badge.armed')).toBeVisible();
  await expect
    .poll(async () => parseFloat((await card.getByTestId('alt').textContent()) ?? '0'), { timeout: 60_000 })
    .toBeGreaterThan(5);
  await page.screenshot({ path: testInfo.outputPath('desk-takeoff-zh.png') });

  // Go to a point clicked on the map (keyboard shortcut G, then a click), no confirmation needed.
  await page.keyboard.press('g');
  await expect(page.getByTestId('pick-hint')).toBeVisible();
  // A point inside the jurisdiction, well away from the no-fly zones (the station refuses a go-to outside it).
  const map = page.getByTestId('map');
  const box = (await map.boundingBox())!;
  const at = await map.evaluate((el) => (el as unknown as { kongxunMap: { latLngToContainerPoint(p: [number, number]): { x: number; y: number } } }).kongxunMap.latLngToContainerPoint([24.607, 118.255]));
  await page.mouse.click(box.x + at.x, box.y + at.y);
  await expect(page.getByTestId('pick-hint')).toHaveCount(0);
  await expect(first).toHaveText('已接受', { timeout: 30_000 });
  await expect(page.getByTestId('result').first()).toContainText('飞往');
  const { target, sent } = await page.evaluate(() => {
    type S = { targets: Record<number, { latDeg: number; lonDeg: number }>; commands: { command: { command: string; altRelM?: number } }[] };
    const s = (window as unknown as { kongxunStore: { getState(): S } }).kongxunStore.getState();
    return { target: s.targets[13]!, sent: s.commands[0]!.command };
  });
  // Sent at the take-off altitude even though the drone may still be climbing.
  expect(sent).toMatchObject({ command: 'goto', altRelM: 30 });
  const start = await vehicle(page, 'JH-03');
  const d0 = groundDistanceM(start as { latDeg: number; lonDeg: number }, target);
  expect(d0).toBeGreaterThan(100);
  await expect.poll(async () => groundDistanceM((await vehicle(page, 'JH-03')) as { latDeg: number; lonDeg: number }, target), { timeout: 30_000 }).toBeLessThan(d0 - 40);
  expect((await vehicle(page, 'JH-03')).mode).toBe('GUIDED');
  await page.waitForTimeout(1500);
  await page.screenshot({ path: testInfo.outputPath('desk-goto-zh.png') });

  // English: the interface and the command results switch language.
  await page.getByTestId('lang').click();
  await expect(page.getByTestId('link')).toHaveText('Connected');
  await expect(page.locator('h1')).toHaveText('Kongxun patrol drone station');
  await expect(first).toHaveText('accepted');
  await expect(page.getByTestId('result').first()).toContainText('Go to');
  await page.screenshot({ path: testInfo.outputPath('desk-en.png') });
});

test('the header on a 1600 and a 1366 px screen: no label broken inside a word, in either language; boot messages are not warnings, and the events list keeps to warnings when asked', async ({ page }, testInfo) => {
  await page.goto(station.url);
  await expect(page.getByTestId('link')).toHaveText('已连接');
  // A card's last words are coloured by their severity: ArduPilot's boot messages (INFO) are not warnings.
  const words = page.getByTestId('drone-JH-02').getByTestId('card-text');
  await expect(words).toHaveText(/EKF3|Field Elevation|origin set|using GPS/, { timeout: 30_000 });
  await expect(words).toHaveClass(/\binfo\b/);
  // The events list keeps to warnings and alerts when asked, and shows everything again.
  const events = page.getByTestId('events');
  expect(await events.locator('li.info').count()).toBeGreaterThan(0);
  await page.getByTestId('events-warnings-only').check();
  await expect(events.locator('li.info, li.notice')).toHaveCount(0);
  await page.getByTestId('events-warnings-only').uncheck();
  await expect(events.locator('li.info').first()).toBeVisible();
  for (const lang of ['zh', 'en']) {
    for (const width of [1600, 1366]) {
      await page.setViewportSize({ width, height: 900 });
      // Each label on one line: the header's buttons (views, sign-out, language) are all of one height.
      const heights = await page.locator('header button').evaluateAll((bs) => bs.map((b) => b.getBoundingClientRect().height));
      expect(heights.length).toBeGreaterThan(7);
      expect(Math.max(...heights), `${lang} at ${width} px: ${heights.join(', ')}`).toBeLessThan(Math.min(...heights) * 1.3);
      await page.locator('header').screenshot({ path: testInfo.outputPath(`header-${lang}-${width}.png`) });
      if (width === 1366) await page.screenshot({ path: testInfo.outputPath(`desk-${lang}-1366.png`) });
    }
    if (lang === 'zh') await page.getByTestId('lang').click();
  }
});

test('day timeline of the station: the plan labelled as not executed, what flew, school windows, gaps, now-line', async ({ page }, testInfo) => {
  await page.goto(`${station.url}?view=timeline`);
  await expect(page.getByTestId('timeline')).toBeVisible();
  await expect(page.getByTestId('sortie-count')).toHaveText('73');
  await expect(page.getByTestId('gap-count')).toHaveText('1');
  await expect(page.getByTestId('gap')).toHaveCount(1);
  await expect(page.getByTestId('now-line')).toBeVisible();
  // No patrol runner on this station: every planned sortie is a plan, not executed — none is "done" because
  // the plan's clock passed it. What flew (the desk test's JH-03) is drawn from the tlogs as a manual flight.
  await expect(page.getByTestId('plan-unexecuted')).toContainText('未执行');
  await expect(page.locator('.sortie.plan.patrol[data-state="unexecuted"]')).toHaveCount(72);
  await expect(page.locator('g.flown:not(.manual)')).toHaveCount(0);
  // No card claims a sortie of the plan.
  await page.getByTestId('view-desk').click();
  await expect(page.locator('[data-testid^="drone-JH-0"] [data-testid="sortie"]', { hasText: /P\d{3}/ })).toHaveCount(0);
  await page.getByTestId('view-timeline').click();
  await page.screenshot({ path: testInfo.outputPath('timeline-zh.png') });
  await page.getByTestId('lang').click();
  await expect(page.locator('.timeline-head h2')).toContainText('Patrol plan of the day');
  await page.screenshot({ path: testInfo.outputPath('timeline-en.png') });
});

test('wall screen: counters, coverage freshness, offline MBTiles basemap, GCJ-02 tiles shifted only when drawn', async ({ page }, testInfo) => {
  const tiles: string[] = [];
  page.on('response', (r) => {
    if (r.url().includes('/tiles/') && r.status() === 200) tiles.push(r.url());
  });
  await page.goto(`${station.url}?view=wall`);
  await expect(page.getByTestId('wall')).toBeVisible();
  await expect(page.locator('.kx-drone')).toHaveCount(7);
  // The plan tiles the day with 20-minute patrols, but no runner flies it: the minutes are those a drone was
  // really up (the desk test's flight, minutes since this station started at most), not the plan's.
  const upMin = Math.ceil((Date.now() - startedMs) / 60_000);
  expect(Number(await page.getByTestId('c-minutes').textContent())).toBeLessThanOrEqual(upMin);
  await expect(page.getByTestId('plan-unexecuted')).toBeVisible();
  // Offline tiles are the default basemap when the station serves them.
  await expect(page.getByTestId('basemap')).toHaveValue('offline');
  await expect.poll(() => tiles.length).toBeGreaterThan(3);
  // Coverage freshness from what flew, not from the plan: the planned routes alone freshen nothing.
  await expect(page.getByTestId('freshness')).toBeVisible();
  expect(parseInt((await page.getByTestId('f-fresh').textContent()) ?? '0')).toBeLessThan(20);
  await page.waitForTimeout(800);
  await page.screenshot({ path: testInfo.outputPath('wall-zh.png') });

  // AMap-style GCJ-02 tiles: only the tile pane shifts (by the WGS→GCJ offset, a few hundred metres here);
  // drones and geography stay where their WGS-84 coordinates put them.
  const pane = page.locator('.leaflet-basemap-pane');
  const marker = page.locator('.kx-drone:not(.stacked), .kx-stack').filter({ hasText: 'JH-07' });
  const before = (await marker.boundingBox())!;
  await page.getByTestId('basemap').selectOption('amap');
  await expect(pane).toHaveAttribute('style', /translate\(-?\d/);
  const [dx, dy] = ((await pane.getAttribute('style'))!.match(/translate\((-?[\d.]+)px, (-?[\d.]+)px\)/) ?? []).slice(1).map(Number);
  expect(Math.hypot(dx!, dy!)).toBeGreaterThan(5);
  expect((await marker.boundingBox())!.x).toBeCloseTo(before.x, 0);
  await page.getByTestId('basemap').selectOption('offline');
  await expect(pane).not.toHaveAttribute('style', /translate/);

});

test('planner: open a sortie, drag a waypoint, save .plan and .waypoints, upload with progress and verification', async ({ page }, testInfo) => {
  await page.goto(`${station.url}?view=planner`);
  await expect(page.getByTestId('planner')).toBeVisible();
  await page.locator('.sortie-list li', { hasText: 'P001' }).click();
  // takeoff + 5 waypoints + RTL
  await expect(page.getByTestId('mission-summary')).toContainText('7 项');
  const wp3 = page.locator('.kx-wp', { hasText: /^3$/ });
  await expect(wp3).toBeVisible();
  const before = (await page.getByTestId('wp-list').locator('li').nth(3).textContent()) ?? '';
  const b = (await wp3.boundingBox())!;
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + 60, b.y + 40, { steps: 8 });
  await page.mouse.up();
  await expect(page.getByTestId('wp-list').locator('li').nth(3)).not.toHaveText(before);
  const moved = (await page.getByTestId('wp-list').locator('li').nth(3).textContent())!.match(/([\d.]+), ([\d.]+)/)!;

  const [planFile] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-plan').click()]);
  const plan = JSON.parse(await (await import('node:fs/promises')).readFile((await planFile.path())!, 'utf8')) as { fileType: string; mission: { items: { params: (number | null)[] }[] } };
  expect(plan.fileType).toBe('Plan');
  expect(plan.mission.items[2]!.params[4]).toBeCloseTo(Number(moved[1]), 5);
  expect(plan.mission.items[2]!.params[5]).toBeCloseTo(Number(moved[2]), 5);
  const [wplFile] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-waypoints').click()]);
  expect(wplFile.suggestedFilename()).toBe('P001.waypoints');
  expect(await (await import('node:fs/promises')).readFile((await wplFile.path())!, 'utf8')).toMatch(/^QGC WPL 110/);
  // Open it back from disk (Mission Planner's format): the same waypoints, the moved one included.
  await page.getByTestId('open-file').setInputFiles({ name: 'P001.waypoints', mimeType: 'text/plain', buffer: await (await import('node:fs/promises')).readFile((await wplFile.path())!) });
  await expect(page.locator('.planner .control .panel-title')).toContainText('P001.waypoints');
  await expect(page.getByTestId('wp-list').locator('li').nth(3)).toContainText(`${moved[1]}, ${moved[2]}`);

  // Upload the edited mission to JH-05 (confirmed first): a progress bar, then the verification result.
  await page.getByTestId('upload-drone').selectOption('15'); // JH-05, by system id (the label carries marks)
  await page.getByTestId('upload').click();
  await expect(page.getByTestId('upload-confirm')).toContainText('JH-05');
  await page.getByTestId('upload-ok').click();
  await expect(page.getByTestId('upload-status')).toBeVisible();
  await expect(page.getByTestId('upload-result')).toContainText('已上传并校验', { timeout: 30_000 });
  await expect(page.getByTestId('upload-bar')).toHaveAttribute('style', /width: 100%/);
  await page.screenshot({ path: testInfo.outputPath('planner-zh.png') });
});

test('desktop transport: the console talks to the station over a MessagePort handed over by the preload', async ({ page }, testInfo) => {
  // What electron/preload.ts does, emulated in Chromium: announce IPC, then post the page a MessagePort whose
  // other end reaches the station (here bridged to its WebSocket, as MessageChannelMain is in the desktop app).
  await page.addInitScript(() => {
    (window as unknown as { kongxun: unknown }).kongxun = { desktop: true, ipc: true };
    const ch = new MessageChannel();
    const ws = new WebSocket(`ws://${location.host}/ws`);
    ws.onmessage = (e) => ch.port1.postMessage(e.data);
    ch.port1.onmessage = (e) => ws.send(e.data);
    // The main process posts on did-finish-load: after the page's scripts ran.
    const opened = new Promise((r) => (ws.onopen = r));
    const loaded = new Promise((r) => window.addEventListener('load', r));
    void Promise.all([opened, loaded]).then(() => window.postMessage('kongxun:port', location.origin, [ch.port2]));
  });
  await page.goto(`${station.url}?view=desk&lang=en`);
  await expect(page.locator('html')).toHaveAttribute('data-transport', 'ipc');
  await expect(page.getByTestId('link')).toHaveText('Connected');
  await expect(page.locator('[data-testid^="drone-JH-"]')).toHaveCount(7);
  await page.getByTestId('drone-JH-06').click();
  await page.keyboard.press('p');
  await expect(page.getByTestId('result').first().getByTestId('result-text')).not.toHaveText('sending…', { timeout: 30_000 });
  await page.screenshot({ path: testInfo.outputPath('desk-ipc-en.png') });
});
