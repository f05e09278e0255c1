/**
 * The daily report page (`?view=report`, issue 15) on a simulated day whose runner started at 03:03: the
 * sorties it could not fly are listed as missed beside their plan, the counters are what happened, the alerts
 * are in the console's language, the time zone is named once; printed by Chromium on A4 (print CSS: no header,
 * black on white) into a PDF — the console's print button is that same print.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { SHOTS } from './screens.js';
import { LATE_START_MS, simDayPage, type SimConsole } from './sim-console.js';

let sim: SimConsole;
test.afterEach(async () => sim?.close());

test('the report lists what happened and prints on A4 to a PDF', async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  sim = await simDayPage(page, { startAtMs: LATE_START_MS, until: () => true, viewport: { width: 1280, height: 900 } });
  const missed = sim.day.runner.list().filter((s) => s.state === 'missed').map((s) => s.id);
  expect(missed.length).toBeGreaterThan(0);
  await page.goto(`${sim.url}?view=report`);
  const report = page.getByTestId('report');
  await expect(report.locator('h1')).toHaveText('巡逻日报');
  await expect(page.getByTestId('report-meta')).toContainText('2026-11-24 · 时区 Asia/Shanghai UTC+8');
  await expect(page.getByTestId('r-missed')).toHaveText(String(missed.length));
  await expect(page.getByTestId('r-flown')).toHaveText('0');
  for (const id of missed) await expect(page.getByTestId(`r-sortie-${id}`)).toHaveAttribute('data-outcome', 'missed');
  await expect(page.getByTestId(`r-sortie-${missed[0]}`)).toContainText('未飞（错过）');
  await expect(page.getByTestId('report-alerts')).toContainText(`${missed.length} 个架次未执行`);
  await expect(page.getByTestId('report-print')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('report-zh.png'), fullPage: true });
  if (SHOTS) {
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: `${SHOTS}/report-zh.png` });
  }

  // As printed: the header and the print button are not on paper.
  await page.emulateMedia({ media: 'print' });
  await expect(page.locator('header')).toBeHidden();
  await expect(page.getByTestId('report-print')).toBeHidden();
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/report-print-zh.png` });
  // Chromium's print to PDF, with the page's own @page size (A4).
  const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
  expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  const text = pdf.toString('latin1');
  const pages = (text.match(/\/Type\s*\/Page[^s]/g) ?? []).length;
  expect(pages).toBeGreaterThan(0);
  // A4 is 595 × 842 points.
  const boxes = [...text.matchAll(/\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/g)].map((m) => [Number(m[1]), Number(m[2])]);
  expect(boxes.length).toBe(pages);
  for (const [w, h] of boxes) expect(Math.abs(w! - 595) < 1 && Math.abs(h! - 842) < 1, `${w} × ${h} pt`).toBe(true);
  writeFileSync(testInfo.outputPath('report.pdf'), pdf);
  if (SHOTS) writeFileSync(`${SHOTS}/report-zh.pdf`, pdf);
  console.log(`report PDF: ${pages} A4 pages, ${Math.round(pdf.length / 1024)} KiB`);
});
