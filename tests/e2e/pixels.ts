/** Test helper: how much picture an element shows, as the luminance variance of its screenshot (a blank canvas gives ~0). */
import type { Page } from '@playwright/test';

export async function screenshotVariance(page: Page, testId: string): Promise<number> {
  const png = await page.getByTestId(testId).screenshot();
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const g = c.getContext('2d')!;
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let s = 0;
    let s2 = 0;
    const n = d.length / 4;
    for (let i = 0; i < d.length; i += 4) {
      const y = 0.299 * d[i]! + 0.587 * d[i + 1]! + 0.114 * d[i + 2]!;
      s += y;
      s2 += y * y;
    }
    return s2 / n - (s / n) ** 2;
  }, png.toString('base64'));
}
