/// <reference lib="dom" />
/**
 * The station's flight check in the desk, in Debian's Chromium against `kongxun serve` on the built-in
 * simulated fleet: a go-to clicked inside the 变电站 no-fly zone is refused on the spot with the reason (nothing
 * is sent to the station), a pilot may still send it with a written reason in the override dialog (the station
 * checks and audits it), and the audit view tells a non-reviewer that the audit is not theirs to read.
 */
import { expect, test } from '@playwright/test';
import { serve, type Served } from './station.js';
import { signInPage } from '../sign-in.js';

let station: Served;

test.beforeAll(async () => {
  station = await serve();
});

test.afterAll(() => station?.stop());

test.use({ viewport: { width: 1600, height: 900 } });

test('a go-to into the substation is refused on the spot; sent with an override and its reason', async ({ page }, testInfo) => {
  let sent = 0;
  page.on('websocket', (ws) => ws.on('framesent', (f) => (sent += String(f.payload).includes('"goto"') ? 1 : 0)));
  await signInPage(page, station.url, 'pilot');
  await page.goto(station.url);
  await expect(page.getByTestId('link')).toHaveText('已连接');
  await page.getByTestId('drone-JH-02').click();
  // The middle of the 变电站 substation (118.272–118.276 E, 24.588–24.592 N) on the map's canvas.
  const map = page.getByTestId('map');
  const box = (await map.boundingBox())!;
  const at = await map.evaluate((el) => {
    const m = (el as unknown as { kongxunMap: { latLngToContainerPoint(p: [number, number]): { x: number; y: number } } }).kongxunMap;
    return m.latLngToContainerPoint([24.59, 118.274]);
  });
  const sub = { x: box.x + at.x, y: box.y + at.y };

  await page.keyboard.press('g');
  await page.mouse.click(sub.x, sub.y);
  const first = page.getByTestId('result').first();
  await expect(first.getByTestId('result-text')).toHaveText(/^被拒绝 · 未通过站点检查，未发送 — 位于禁飞区「变电站 substation」内或其 30 米缓冲区内$/);
  expect(sent).toBe(0);
  await page.screenshot({ path: testInfo.outputPath('desk-nofly-refused.png') });

  await first.getByTestId('override').click();
  await expect(page.getByTestId('override-dialog')).toContainText('位于禁飞区「变电站 substation」内');
  await expect(page.getByTestId('override-send')).toBeDisabled();
  await page.getByTestId('override-reason').fill('变电站报警，前往查看');
  await page.getByTestId('override-send').click();
  await expect(page.getByTestId('override-dialog')).toHaveCount(0);
  await expect(page.getByTestId('result').first().getByTestId('result-text')).not.toHaveText('发送中…', { timeout: 30_000 });
  expect(sent).toBe(1);
  await expect(page.getByTestId('result').first().getByTestId('result-text')).not.toContainText('未通过站点检查');

  // Today every console is an anonymous pilot (sign-in comes with the other half of issue 14): the audit
  // view shows the station's refusal, not rows.
  await page.getByTestId('view-audit').click();
  await expect(page.getByTestId('audit-forbidden')).toContainText('审计记录仅供复核人员与管理员查看');
});
