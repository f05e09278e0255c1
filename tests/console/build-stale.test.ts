/**
 * The console bundle is rebuilt only when what it is built from changed (scripts/build.mjs rendererIsStale):
 * every source it bundles must exist, or every `kongxun serve` rebuilds it — and servers started side by side
 * then rebuild out/renderer under each other's pages (a page load aborted mid-test was how this showed).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildRenderer, rendererIsStale, rendererOut } from '../../scripts/build.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('the console bundle', () => {
  it('is not stale right after a build, and its sources are where the check looks', { timeout: 120_000 }, async () => {
    if (rendererIsStale()) await buildRenderer();
    expect(existsSync(join(rendererOut, 'main.js'))).toBe(true);
    expect(rendererIsStale()).toBe(false);
    for (const dir of ['renderer', 'common', 'missions']) expect(existsSync(join(root, dir))).toBe(true);
  });
});
