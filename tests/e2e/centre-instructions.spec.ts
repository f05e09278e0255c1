/**
 * An instruction from the centre to a station's desk, in Chromium, through a real Mosquitto on a free loopback
 * port: `kongxun centre` (a dispatcher signed in on its console) and the sample station as `kongxun serve
 * --centre …` (no patrol). The centre sends the instruction; the station's desk shows its text, from whom and
 * when; a viewer's desk shows it without the button; the dispatcher at the desk acknowledges it; the centre's
 * console shows it pending, then acknowledged by that person. Chinese first, then the desk in English.
 */
import { expect, test } from '@playwright/test';
import { centreStack, type CentreStack } from './centre-stack.js';
import { signInPage } from '../sign-in.js';

let stack: CentreStack;
let centreUrl: string;
let stationUrl: string;

test.beforeAll(async () => {
  stack = await centreStack({
    name: 'instruct', centreAccounts: [['dispatcher', '值班员王']], stationAccounts: [['dispatcher', '调度李'], ['viewer', 'wall']], serve: ['--sim-warmup', '3'],
  });
  ({ centreUrl, stationUrl } = stack);
});

test.afterAll(async () => stack?.close());

test('an instruction from the centre is shown at the desk, acknowledged there, and shown acknowledged at the centre', async ({ browser }, testInfo) => {
  const centre = await (await browser.newContext()).newPage();
  await signInPage(centre, centreUrl, '值班员王');
  await centre.goto(centreUrl);
  await expect(centre.locator('tr[data-station="jinhai"]')).toContainText('在线 online');
  await centre.locator('#ito').selectOption('jinhai');
  await centre.locator('#itext').fill('东门有人员聚集，请派机关注');
  await centre.locator('#isend').click();
  await expect(centre.locator('#isendmsg')).toContainText('已下达 sent');
  const row = centre.locator('#requests tr[data-kind="instruct"]').first();
  await expect(row).toContainText('东门有人员聚集');
  await expect(row).toContainText('已送达，待确认 delivered, pending');
  await expect(row.locator('td').last()).toHaveClass('pending');

  // A viewer's desk (the wall) shows it, but may not acknowledge it.
  const wall = await (await browser.newContext()).newPage();
  await signInPage(wall, stationUrl, 'wall');
  await wall.goto(stationUrl);
  const seen = wall.getByTestId('instructions');
  await expect(seen).toContainText('东门有人员聚集，请派机关注');
  await expect(seen).toContainText('待调度或飞手确认');
  await expect(seen.getByTestId('instruction-ack-button')).toHaveCount(0);

  // The dispatcher's desk: the text, from whom (the centre and the person there), when; acknowledged.
  const desk = await (await browser.newContext()).newPage();
  await desk.setViewportSize({ width: 1600, height: 900 });
  await signInPage(desk, stationUrl, '调度李');
  await desk.goto(stationUrl);
  const panel = desk.getByTestId('instructions');
  await expect(panel).toContainText('中心指令');
  await expect(panel.getByTestId('instructions-pending')).toHaveText('1 条待确认');
  const item = panel.locator('li[data-state="pending"]');
  await expect(item).toContainText('东门有人员聚集，请派机关注');
  await expect(item).toContainText('来自 centre:centre (值班员王)');
  await expect(item).toContainText(/\d\d:\d\d/);
  await desk.screenshot({ path: testInfo.outputPath('desk-instruction-zh.png') });
  await item.getByTestId('instruction-ack-button').click();
  const acked = panel.locator('li[data-state="acknowledged"]');
  await expect(acked.getByTestId('instruction-ack')).toContainText('已确认：调度李');
  await expect(panel.getByTestId('instructions-pending')).toHaveCount(0);
  // Every desk is told: the wall too.
  await expect(seen.locator('li[data-state="acknowledged"]')).toContainText('已确认：调度李');

  // The centre: the outcome of the request is the acknowledgement, by whom.
  await expect(row).toContainText('已确认 acknowledged — 调度李');
  await expect(row.locator('td').last()).toHaveClass('done');
  await centre.screenshot({ path: testInfo.outputPath('centre-instruction-acked.png') });

  // English second.
  await desk.getByTestId('lang').click();
  await expect(panel).toContainText('Instructions from the centre');
  await expect(acked).toContainText('from centre:centre (值班员王)');
  await expect(acked.getByTestId('instruction-ack')).toContainText('Acknowledged by 调度李');
  await desk.screenshot({ path: testInfo.outputPath('desk-instruction-en.png') });
});
