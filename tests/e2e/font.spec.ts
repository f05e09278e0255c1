/// <reference lib="dom" />
/**
 * The console's CJK font comes from the station (issue 15): on a machine with no CJK font of its own the desk and
 * the wall draw their Chinese in the bundled Noto Sans SC, fetched from the station only (nothing from outside),
 * only the subsets the page's characters need (unicode-range), the files cached for good. Prints the bytes a first
 * load of each screen fetches.
 */
import { mkdirSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { signInPage } from '../sign-in.js';
import { serve, type Served } from './station.js';

const SHOTS = process.env.KONGXUN_SCREENS ?? '';
let station: Served;
test.beforeAll(async () => {
  station = await serve();
});
test.afterAll(() => station?.stop());
test.use({ viewport: { width: 1600, height: 900 } });

interface Fetched { url: string; bytes: number; type: string; cache: string }
function watchFonts(page: Page): { fonts: Fetched[]; outside: string[] } {
  const w = { fonts: [] as Fetched[], outside: [] as string[] };
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(station.url) && !/^(data|blob):/.test(u)) w.outside.push(u);
  });
  page.on('response', async (r) => {
    if (!/\/fonts\/.*\.woff2$/.test(r.url())) return;
    const body = await r.body().catch(() => Buffer.alloc(0));
    w.fonts.push({ url: r.url(), bytes: body.length, type: r.headers()['content-type'] ?? '', cache: r.headers()['cache-control'] ?? '' });
  });
  return w;
}

const drawnIn = (page: Page, text: string) => page.evaluate(async (text) => {
  await document.fonts.ready;
  const loaded = [...document.fonts].filter((f) => f.family.replace(/"/g, '') === 'Noto Sans SC' && f.status === 'loaded').length;
  return { check: document.fonts.check('16px "Noto Sans SC"', text), loaded, family: getComputedStyle(document.body).fontFamily };
}, text);

for (const view of ['desk', 'wall'] as const) {
  test(`the ${view} draws its Chinese in the bundled font, fetched from the station only`, async ({ browser }, testInfo) => {
    // A fresh context: a first load, nothing cached.
    const context = await browser.newContext({ viewport: { width: 1600, height: 900 } });
    const page = await context.newPage();
    // From the sign-in page on: the bytes of a first visit, sign-in and screen.
    const w = watchFonts(page);
    await signInPage(page, station.url, view === 'desk' ? 'pilot' : 'viewer');
    await page.goto(`${station.url}?view=${view}`);
    await expect(page.getByTestId('link')).toHaveText('已连接');
    await expect(page.locator('[data-testid^="drone-JH-"], .wall tbody tr').first()).toBeVisible();
    const seen = await drawnIn(page, view === 'desk' ? '调度台 事件与告警' : '一屏展示 今日已飞架次');
    expect(seen.family).toMatch(/^"?Noto Sans SC"?,/);
    expect(seen.check).toBe(true);
    expect(seen.loaded).toBeGreaterThan(0);
    await page.waitForTimeout(300);
    expect(w.outside).toEqual([]);
    expect(w.fonts.length).toBeGreaterThan(0);
    // Only some of the 202 subset files: the ones the page's characters fall in.
    expect(w.fonts.length).toBeLessThan(120);
    for (const f of w.fonts) {
      expect(f.type).toBe('font/woff2');
      expect(f.cache).toContain('immutable');
    }
    const kb = Math.round(w.fonts.reduce((t, f) => t + f.bytes, 0) / 1024);
    console.log(`sign-in + ${view}: first load fetched ${w.fonts.length} font files, ${kb} KiB`);
    testInfo.annotations.push({ type: 'font-bytes', description: `${view}: ${w.fonts.length} files, ${kb} KiB` });
    await page.screenshot({ path: testInfo.outputPath(`${view}-font-zh.png`) });
    if (SHOTS) {
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: `${SHOTS}/${view}-font-zh.png` });
    }
    await context.close();
  });
}
