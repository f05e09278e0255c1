/**
 * Screenshots of the e2e specs: each into the test's output folder and, when KONGXUN_SCREENS names a folder (the
 * README's screenshots are taken that way), there too under the same name.
 */
import { mkdirSync } from 'node:fs';
import type { Page } from '@playwright/test';

/** The folder KONGXUN_SCREENS names, or '' when screenshots stay in the test output only. */
export const SHOTS = process.env.KONGXUN_SCREENS ?? '';

export async function shot(page: Page, name: string, testInfo: { outputPath(n: string): string }): Promise<void> {
  await page.screenshot({ path: testInfo.outputPath(name) });
  if (SHOTS) {
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: `${SHOTS}/${name}` });
  }
}
