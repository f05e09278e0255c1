/// <reference lib="dom" />
/**
 * The planner that edits, in Chromium against `kongxun serve` on the built-in simulated fleet with a day plan:
 * open a sortie, click the map to add waypoints, change an altitude, delete one and undo it, drag a waypoint
 * into the 变电站 no-fly zone and read the check on that item in words, save as .plan and KML and open them
 * again to the same list, then upload to the sortie's own drone with the confirmation and see it verified; a
 * hover and its camera items deleted, moved and restored as one unit, in a file from another tool too.
 */
import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { signInPage } from '../sign-in.js';
import { planToday, serve, writePlan, type Served } from './station.js';

let station: Served;

test.beforeAll(async () => {
  station = await serve(['--plan', writePlan()]);
});
test.afterAll(() => station?.stop());
test.beforeEach(async ({ page }) => signInPage(page, station.url, 'pilot'));
test.use({ viewport: { width: 1600, height: 900 } });

/** Each list row as "number kind place alt hold" (the inputs' values included). */
const rowsText = (page: Page) => page.getByTestId('wp-row').evaluateAll((els) => els.map((e) => [
  e.querySelector('.seq')?.textContent, e.querySelector('.kind')?.textContent, e.querySelector('.pos')?.textContent?.trim() ?? '',
  ...[...e.querySelectorAll('input')].map((i) => i.value),
].join(' ')));
const kinds = (page: Page) => page.getByTestId('wp-row').evaluateAll((els) => els.map((e) => `${e.querySelector('.seq')?.textContent}${e.querySelector('.kind')?.textContent}`));
const row = (page: Page, seq: number) => page.locator(`[data-testid="wp-row"][data-seq="${seq}"]`);
const marker = (page: Page, seq: number) => page.locator('.kx-wp').filter({ hasText: new RegExp(`^${seq}$`) });
async function centre(page: Page, sel: string): Promise<{ x: number; y: number }> {
  await page.locator(sel).first().waitFor();
  const b = (await page.locator(sel).first().boundingBox())!;
  return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
}
/** Where a place is on the screen (the map element's Leaflet map, as the other specs find it). */
async function screen(page: Page, lat: number, lon: number): Promise<{ x: number; y: number }> {
  const map = page.getByTestId('map');
  const p = await map.evaluate((el, ll) => (el as unknown as { kongxunMap: { latLngToContainerPoint(p: [number, number]): { x: number; y: number } } }).kongxunMap.latLngToContainerPoint(ll), [lat, lon] as [number, number]);
  const b = (await map.boundingBox())!;
  return { x: b.x + p.x, y: b.y + p.y };
}
async function drag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 10 });
  await page.mouse.up();
}

test('planner: click to add, set an altitude, delete and undo, no-fly check in words, save and open, upload verified', async ({ page }, testInfo) => {
  await page.goto(`${station.url}?view=planner`);
  await page.locator('.sortie-list li', { hasText: 'P001' }).click();
  // take off, 5 waypoints, return: 7 items, numbered 1…7 on the list and on the map; home is H.
  await expect(page.getByTestId('mission-summary')).toContainText('7 项（另有起点 H）');
  expect(await kinds(page)).toEqual(['1起飞', '2航点', '3航点', '4航点', '5航点', '6航点', '7返航']);
  await expect(marker(page, 3)).toBeVisible();
  await expect(page.getByTestId('plan-checks')).toContainText('检查通过');
  // The sortie's own drone is the upload's default; its endurance and the reserve are the battery check's.
  await expect(page.getByTestId('upload-drone').locator('option:checked')).toHaveText(/^JH-01 · 本架次/);
  await expect(page.getByTestId('plan-battery')).toContainText('JH-01');

  // Click the map twice: with item 3 selected, the first goes after it (4), the second after that (5).
  await row(page, 3).click();
  const m3 = await centre(page, '.kx-wp.sel');
  await page.mouse.click(m3.x - 60, m3.y + 30);
  await expect(page.getByTestId('mission-summary')).toContainText('8 项');
  await expect(row(page, 4)).toContainText('航点');
  await expect(row(page, 4)).toHaveClass(/selected/);
  await page.mouse.click(m3.x - 90, m3.y + 80);
  await expect(page.getByTestId('mission-summary')).toContainText('9 项');
  await expect(marker(page, 8)).toBeVisible();
  await expect(marker(page, 9)).toHaveCount(0); // a return has no place of its own
  await expect(row(page, 9)).toContainText('返航');

  // A hover with the camera on a point: camera on, hover, camera released.
  await page.getByTestId('tool-hover').click();
  await page.mouse.click(m3.x - 30, m3.y + 110);
  await expect(page.getByTestId('mission-summary')).toContainText('12 项');
  expect((await kinds(page)).slice(5, 8)).toEqual(['6云台对准', '7悬停', '8云台复位']);
  await page.getByTestId('tool-none').click();

  // The altitude of item 2, applied on Enter.
  await row(page, 2).getByTestId('wp-alt').fill('80');
  await row(page, 2).getByTestId('wp-alt').press('Enter');
  await expect(row(page, 2).getByTestId('wp-alt')).toHaveValue('80');

  // Delete item 4, then undo with Ctrl+Z: the same list as before.
  const before = await rowsText(page);
  await row(page, 4).click();
  await page.getByTestId('delete-item').click();
  await expect(page.getByTestId('mission-summary')).toContainText('11 项');
  await page.locator('body').click({ position: { x: 5, y: 880 } });
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('mission-summary')).toContainText('12 项');
  expect(await rowsText(page)).toEqual(before);
  // Redo and undo again with the buttons.
  await page.getByTestId('redo').click();
  await expect(page.getByTestId('mission-summary')).toContainText('11 项');
  await page.getByTestId('undo').click();
  expect(await rowsText(page)).toEqual(before);

  // Drag waypoint 3 into the 变电站 no-fly zone: the check says so on item 3, in words, and its marker turns red.
  const zone = await screen(page, 24.59, 118.274); // the middle of the 变电站 (118.272–118.276 E, 24.588–24.592 N)
  const from = await centre(page, `.kx-wp:text-is("3")`);
  await drag(page, from, zone);
  await expect(row(page, 3).getByTestId('wp-issue').first()).toContainText('位于禁飞区「变电站 substation」内或其 30 米缓冲区内');
  await expect(marker(page, 3)).toHaveClass(/bad/);
  await expect(page.getByTestId('plan-checks')).toContainText('未通过检查');
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('plan-checks')).toContainText('检查通过');
  expect(await rowsText(page)).toEqual(before);

  // Above the station's ceiling, and a hold longer than the battery allows: each said on its item.
  await row(page, 3).getByTestId('wp-alt').fill('150');
  await row(page, 3).getByTestId('wp-alt').press('Enter');
  await expect(row(page, 3).getByTestId('wp-issue')).toContainText('高度 150 米超过本站限高 120 米');
  await page.keyboard.press('Control+z');
  await row(page, 4).getByTestId('wp-hold').fill('3000');
  await row(page, 4).getByTestId('wp-hold').press('Enter');
  // JH-01: 55 min less the 25 % reserve = 41.3 min usable; 50 min holding at item 4 is past it there.
  await expect(row(page, 4).getByTestId('wp-issue')).toContainText(/电量不足：全程约 6\d(\.\d)? 分钟，可用 41\.3 分钟（已扣除 25% 余量）/);
  await page.screenshot({ path: testInfo.outputPath('planner-checks-zh.png') });
  await page.locator('body').click({ position: { x: 5, y: 880 } });
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('plan-checks')).toContainText('检查通过');
  expect(await rowsText(page)).toEqual(before);

  // Save as .plan and KML and open each again: the same list.
  for (const kind of ['plan', 'kml'] as const) {
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(`save-${kind}`).click()]);
    expect(file.suggestedFilename()).toBe(kind === 'plan' ? 'P001.plan' : 'again.kml'); // named after the file open
    await page.getByTestId('open-file').setInputFiles({ name: `again.${kind}`, mimeType: 'text/plain', buffer: await readFile((await file.path())!) });
    await expect(page.locator('.planner .control .panel-title')).toContainText(`again.${kind}`);
    expect(await rowsText(page)).toEqual(before);
  }
  await expect(row(page, 2).getByTestId('wp-alt')).toHaveValue('80');

  // Upload: a file from disk has no drone until the pilot chooses; the confirmation names it and the count.
  await expect(page.getByTestId('upload')).toBeDisabled();
  // By the drone's system id: the option's label also carries its sortie or patrol marks, which depend on the hour.
  await page.getByTestId('upload-drone').selectOption('12'); // JH-02
  await page.getByTestId('upload').click();
  await expect(page.getByTestId('upload-confirm')).toContainText('上传到 JH-02');
  await expect(page.getByTestId('upload-confirm')).toContainText('12 项，另有起点 H');
  await page.getByTestId('upload-ok').click();
  await expect(page.getByTestId('upload-result')).toContainText('已上传并校验', { timeout: 60_000 });
  await expect(page.getByTestId('upload-result')).toContainText('12 项，另有起点 H');
  await expect(page.getByTestId('upload-bar')).toHaveAttribute('style', /width: 100%/);
  await page.screenshot({ path: testInfo.outputPath('planner-zh.png') });

  // The same planner in English, second.
  await page.getByTestId('lang').click();
  await expect(page.getByTestId('mission-summary')).toContainText('12 items (plus home H)');
  expect((await kinds(page)).slice(0, 8)).toEqual(['1Take off', '2Waypoint', '3Waypoint', '4Waypoint', '5Waypoint', '6Camera on point', '7Hover', '8Camera released']);
  await expect(page.getByTestId('upload-result')).toContainText('12 items plus home H');
});

test('planner: a hover and its camera items are one unit — deleted, moved, inserted after and restored as one', async ({ page }, testInfo) => {
  await page.goto(`${station.url}?view=planner`);
  await page.locator('.sortie-list li', { hasText: 'P001' }).click();
  await expect(page.getByTestId('mission-summary')).toContainText('7 项（另有起点 H）');
  const original = await rowsText(page);

  // A hover after item 3: camera on (4), hover (5), camera released (6), shown as one bracketed unit.
  await row(page, 3).click();
  const m3 = await centre(page, '.kx-wp.sel');
  await page.getByTestId('tool-hover').click();
  await page.mouse.click(m3.x + 40, m3.y - 60);
  await expect(page.getByTestId('mission-summary')).toContainText('10 项');
  expect((await kinds(page)).slice(3, 6)).toEqual(['4云台对准', '5悬停', '6云台复位']);
  for (const seq of [4, 5, 6]) await expect(row(page, seq)).toHaveAttribute('data-unit', '5');
  await expect(row(page, 5)).toHaveClass(/selected/);
  await expect(row(page, 4)).toHaveClass(/in-selected/);
  await expect(page.getByTestId('delete-item')).toHaveText('删除悬停组（3 项）');
  const withHover = await rowsText(page);

  // With the hover selected, a waypoint clicked on the map goes after the camera release, not inside the unit.
  await page.getByTestId('tool-waypoint').click();
  await page.mouse.click(m3.x + 80, m3.y - 90);
  await expect(page.getByTestId('mission-summary')).toContainText('11 项');
  expect((await kinds(page)).slice(3, 7)).toEqual(['4云台对准', '5悬停', '6云台复位', '7航点']);
  await page.getByTestId('tool-none').click();
  await page.getByTestId('undo').click();
  expect(await rowsText(page)).toEqual(withHover);

  // The estimate says what it assumes: ArduCopter's return, with the defaults (the station has not read JH-01's parameters).
  await expect(page.getByTestId('plan-assumes')).toContainText('返航（RTL）：在 60 米高度飞回');
  await expect(page.getByTestId('plan-assumes')).toContainText('RTL_ALT 15 米');
  await expect(page.getByTestId('plan-assumes')).toContainText('ArduCopter 默认值');

  // Move the unit up: the three move together past waypoint 3.
  await row(page, 5).click();
  await page.screenshot({ path: testInfo.outputPath('planner-hover-unit-zh.png') });
  await page.getByTestId('move-up').click();
  expect((await kinds(page)).slice(1, 6)).toEqual(['2航点', '3云台对准', '4悬停', '5云台复位', '6航点']);
  await expect(row(page, 4)).toHaveClass(/selected/);
  await page.getByTestId('undo').click();
  expect(await rowsText(page)).toEqual(withHover);

  // Delete from the camera item, with the Delete key: the hover and both camera items go; the summary and the
  // upload's confirmation count the same items.
  await row(page, 4).click();
  await page.keyboard.press('Delete');
  await expect(page.getByTestId('mission-summary')).toContainText('7 项（另有起点 H）');
  expect(await rowsText(page)).toEqual(original);
  await expect(page.getByTestId('wp-list')).not.toContainText('云台');
  await page.getByTestId('upload').click();
  await expect(page.getByTestId('upload-confirm')).toContainText('7 项，另有起点 H');
  await page.getByTestId('upload-cancel').click();

  // One undo brings the whole unit back.
  await page.locator('body').click({ position: { x: 5, y: 880 } });
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('mission-summary')).toContainText('10 项');
  expect(await rowsText(page)).toEqual(withHover);
  await page.getByTestId('upload').click();
  await expect(page.getByTestId('upload-confirm')).toContainText('10 项，另有起点 H');
  await page.getByTestId('upload-cancel').click();

  // A file from another tool: a school post in the day planner's pattern (camera on the gate beside the hover,
  // DO_SET_ROI_LOCATION / DO_SET_ROI_NONE) is a unit; a hover whose camera was set before another waypoint is not.
  const wpl = [
    'QGC WPL 110',
    '0\t1\t0\t16\t0\t0\t0\t0\t24.59\t118.262\t0\t1',
    '1\t0\t3\t22\t0\t0\t0\t0\t24.59\t118.262\t40\t1',
    '2\t0\t3\t201\t0\t0\t0\t0\t24.5955\t118.2655\t0\t1',
    '3\t0\t3\t16\t0\t0\t0\t0\t24.595\t118.265\t40\t1',
    '4\t0\t3\t19\t60\t0\t0\t1\t24.595\t118.266\t40\t1',
    '5\t0\t3\t197\t0\t0\t0\t0\t0\t0\t0\t1',
    '6\t0\t3\t195\t0\t0\t0\t0\t24.5975\t118.2602\t0\t1',
    '7\t0\t3\t19\t120\t0\t0\t1\t24.5973\t118.2600\t40\t1',
    '8\t0\t3\t197\t0\t0\t0\t0\t0\t0\t0\t1',
    '9\t0\t3\t20\t0\t0\t0\t0\t0\t0\t0\t1',
  ].join('\n');
  await page.getByTestId('open-file').setInputFiles({ name: 'other-tool.waypoints', mimeType: 'text/plain', buffer: Buffer.from(wpl) });
  await expect(page.getByTestId('mission-summary')).toContainText('9 项');
  for (const seq of [6, 7, 8]) await expect(row(page, seq)).toHaveAttribute('data-unit', '7');
  for (const seq of [2, 4, 5]) await expect(row(page, seq)).not.toHaveAttribute('data-unit', /./);
  await row(page, 7).click();
  await page.getByTestId('delete-item').click();
  await expect(page.getByTestId('mission-summary')).toContainText('6 项');
  expect(await kinds(page)).toEqual(['1起飞', '2云台对准', '3航点', '4悬停', '5云台复位', '6返航']);
  // The other hover alone: its release also ends the camera set before waypoint 3, so it stays, and the pilot is told.
  await row(page, 4).click();
  await page.getByTestId('delete-item').click();
  expect(await kinds(page)).toEqual(['1起飞', '2云台对准', '3航点', '4云台复位', '5返航']);
  await expect(page.getByTestId('edit-note')).toContainText('保留了第 4 项的云台指令');
  await page.getByTestId('undo').click();
  await page.getByTestId('undo').click();
  await expect(page.getByTestId('mission-summary')).toContainText('9 项');

  // In English, second.
  await page.getByTestId('lang').click();
  await expect(page.getByTestId('plan-assumes')).toContainText('return (RTL): home at 40 m');
  await page.getByTestId('lang').click();
});

test('planner: an upload to a drone the scheduled patrol runs asks first and takes it over', async ({ page }) => {
  // A station running the sample station's plan of the day after tomorrow (as tests/e2e/patrol.spec.ts starts
  // it): the runner holds JH-06 standing by at any hour. With today's plan it depended on the clock whether
  // JH-06 was flying (its school sortie S014 16:42–17:22 station time, or a launch) when the upload came.
  const patrol = await serve(['--patrol', planToday('planner-patrol', 2)]);
  try {
    await signInPage(page, patrol.url, 'pilot');
    await page.goto(`${patrol.url}?view=planner`);
    await expect(page.getByTestId('link')).toHaveText('已连接');
    await page.getByTestId('new-mission').click();
    await expect(page.getByTestId('mission-summary')).toContainText('1 项');
    const c = await screen(page, 24.595, 118.262);
    await page.mouse.click(c.x, c.y);
    await page.getByTestId('add-rtl').click();
    await expect(page.getByTestId('mission-summary')).toContainText('3 项');
    // By system id, not by label: a label carries the sortie a drone flies ("JH-06 · S014").
    await page.getByTestId('upload-drone').selectOption('16'); // JH-06
    await expect(page.getByTestId('upload-drone').locator('option[value="16"]')).toHaveText('JH-06');
    await page.getByTestId('upload').click();
    await expect(page.getByTestId('upload-takeover')).toHaveText('JH-06 由自动巡逻调度：上传即接管，巡逻不再指挥它，直到交还巡逻。');
    // Cancelling sends nothing.
    await page.getByTestId('upload-cancel').click();
    await expect(page.getByTestId('upload-confirm')).toHaveCount(0);
    await expect(page.getByTestId('upload-status')).toHaveCount(0);
    await page.getByTestId('upload').click();
    await page.getByTestId('upload-ok').click();
    await expect(page.getByTestId('upload-result')).toContainText('已上传并校验', { timeout: 60_000 });
    await expect(page.getByTestId('upload-result')).toContainText('3 项，另有起点 H');
    await expect(page.getByTestId('upload-result')).toContainText('已从自动巡逻接管');
    // The desk shows the drone taken over, with the button that gives it back.
    await page.getByTestId('view-desk').click();
    await page.getByTestId('drone-JH-06').click();
    await expect(page.getByTestId('patrol-taken')).toContainText('人工接管中');
  } finally {
    patrol.stop();
  }
});
