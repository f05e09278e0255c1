// Finds cycles among our own .ts/.tsx files through value imports (`import type` and
// `import { type X }`-only imports do not count: they vanish at run time).
// Usage: node scripts/import-cycles.mjs [root]   (exit 1 and the cycles printed when there is one; root: a git
// work tree, default this repository)
import { execFileSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, resolve, relative } from 'node:path';

const root = resolve(process.argv[2] ?? resolve(dirname(new URL(import.meta.url).pathname), '..'));
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.tsx'], { cwd: root, encoding: 'utf8' })
  .split('\n').filter((f) => f && !f.endsWith('.d.ts'));
const known = new Set(files);
const graph = new Map();
const importRe = /^\s*(import|export)\s+(type\s+)?([\s\S]*?)\s+from\s+['"](\.[^'"]+)['"]/gm;
const sideRe = /^\s*import\s+['"](\.[^'"]+)['"]/gm;

function target(from, spec) {
  const base = resolve(root, dirname(from), spec);
  for (const c of [base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx'), base + '.ts', base + '.tsx', base + '/index.ts']) {
    const r = relative(root, c);
    if (known.has(r) && existsSync(c)) return r;
  }
  return undefined;
}

for (const f of files) {
  const src = readFileSync(resolve(root, f), 'utf8');
  const out = new Set();
  for (const m of src.matchAll(importRe)) {
    if (m[2]) continue; // import type / export type
    const clause = m[3].trim();
    const braces = clause.match(/^\{([\s\S]*)\}$/);
    if (braces) {
      const names = braces[1].split(',').map((s) => s.trim()).filter(Boolean);
      if (names.length > 0 && names.every((n) => n.startsWith('type '))) continue;
    }
    const t = target(f, m[4]);
    if (t) out.add(t);
  }
  for (const m of src.matchAll(sideRe)) {
    const t = target(f, m[1]);
    if (t) out.add(t);
  }
  graph.set(f, out);
}

// Tarjan's strongly connected components.
let index = 0;
const idx = new Map(), low = new Map(), stack = [], on = new Set(), sccs = [];
function visit(v) {
  idx.set(v, index); low.set(v, index); index++; stack.push(v); on.add(v);
  for (const w of graph.get(v) ?? []) {
    if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
    else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) {
    const c = [];
    let w;
    do { w = stack.pop(); on.delete(w); c.push(w); } while (w !== v);
    if (c.length > 1 || graph.get(v)?.has(v)) sccs.push(c);
  }
}
for (const f of files) if (!idx.has(f)) visit(f);
if (sccs.length === 0) {
  console.log(`no value-import cycle among ${files.length} files`);
} else {
  for (const c of sccs) console.log('cycle:', c.sort().join(' ↔ '));
  process.exit(1);
}
