/**
 * The CJK font the console ships (scripts/build.mjs copyFonts): Noto Sans SC 400 and 700 as WOFF2 only, each
 * @font-face rule naming a file that is there, and every character the console writes — its Chinese strings,
 * the sample station's names — inside some rule's unicode-range, so no box is drawn for want of a system font;
 * the whole is a few megabytes, not the package's 76.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- plain JavaScript build script without types
import { copyFonts, FONT_WEIGHTS } from '../../scripts/build.mjs';
import { STRINGS } from '../../renderer/i18n.js';

const out = mkdtempSync(join(tmpdir(), 'kongxun-fonts-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

interface Face { weight: number; file: string; ranges: [number, number][] }
function faces(css: string): Face[] {
  return [...css.matchAll(/@font-face \{([^}]*)\}/g)].map((m) => {
    const body = m[1]!;
    const ranges = body.match(/unicode-range: ([^;]+);/)![1]!.split(',').map((r) => {
      const [a, b] = r.trim().replace(/^U\+/i, '').split('-');
      return [parseInt(a!, 16), parseInt(b ?? a!, 16)] as [number, number];
    });
    return { weight: Number(body.match(/font-weight: (\d+);/)![1]), file: body.match(/src: url\(\.\/([^)]+)\) format\('woff2'\);/)![1]!, ranges };
  });
}

describe('the bundled CJK font', () => {
  const made = copyFonts(out) as { version: string; bytes: number; files: number };
  const css = readFileSync(join(out, 'noto-sans-sc.css'), 'utf8');
  const fs = faces(css);

  it('ships weights 400 and 700 as WOFF2 only, every file a rule names and nothing else', () => {
    expect(FONT_WEIGHTS).toEqual([400, 700]);
    expect([...new Set(fs.map((f) => f.weight))]).toEqual([400, 700]);
    expect(css).not.toMatch(/\.woff\)|format\('woff'\)/);
    const named = fs.map((f) => f.file).sort();
    const there = readdirSync(join(out, made.version)).filter((f) => f !== 'LICENSE').map((f) => `${made.version}/${f}`).sort();
    expect(there).toEqual(named);
    const bytes = named.reduce((t, f) => t + statSync(join(out, f)).size, 0);
    expect(bytes).toBe(made.bytes);
    // A few megabytes for the two weights (the package holds 76 MB of every weight in WOFF and WOFF2).
    expect(bytes).toBeLessThan(8 * 1024 * 1024);
  });

  it('covers every character of the console and the sample station in both weights', () => {
    const text = Object.values(STRINGS['zh-CN']).join('') + readFileSync('resources/samples/jinhai.geojson', 'utf8') + readFileSync('resources/samples/fleet.json', 'utf8');
    const chars = [...new Set([...text].map((c) => c.codePointAt(0)!).filter((c) => c > 0x20 && c !== 0x7f))];
    expect(chars.filter((c) => c >= 0x4e00 && c <= 0x9fff).length).toBeGreaterThan(300);
    for (const w of FONT_WEIGHTS) {
      const ranges = fs.filter((f) => f.weight === w).flatMap((f) => f.ranges);
      const missing = chars.filter((c) => !ranges.some(([a, b]) => c >= a && c <= b)).map((c) => String.fromCodePoint(c));
      expect(missing, `weight ${w}`).toEqual([]);
    }
  });
});
