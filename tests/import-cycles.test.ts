/**
 * No value-import cycle among our .ts files (scripts/import-cycles.mjs): the script finds one in a small tree
 * made for it, ignores type-only imports, and finds none in this repository.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const script = join(process.cwd(), 'scripts/import-cycles.mjs');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'kx-cycles-'));
  dirs.push(d);
  execFileSync('git', ['init', '-q'], { cwd: d });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

function run(root?: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, root ? [script, root] : [script], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('import cycles', () => {
  it('finds a cycle through value imports, multi-line ones too', () => {
    const r = run(tree({ 'a.ts': "import {\n  b,\n} from './b.js';\nexport const a = () => b;\n", 'b.ts': "import { a } from './a.js';\nexport const b = () => a;\n", 'c.ts': "import { a } from './a.js';\nexport const c = a;\n" }));
    expect(r.status).toBe(1);
    expect(r.out).toContain('cycle: a.ts ↔ b.ts');
    expect(r.out).not.toContain('c.ts');
  });

  it('ignores imports that are types only', () => {
    const r = run(tree({ 'a.ts': "import type { B } from './b.js';\nexport type A = B;\n", 'b.ts': "import { type A } from './a.js';\nexport type B = A | 1;\n" }));
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/no value-import cycle among 2 files/);
  });

  it('finds none in this repository', () => {
    const r = run();
    expect(r.out).toMatch(/no value-import cycle among \d+ files/);
    expect(r.status).toBe(0);
  });
});
