// Exit 0 when node_modules holds what package-lock.json asks for, 1 when `npm ci` must run. npm's own record of
// what it installed (node_modules/.package-lock.json) leaves out the optional packages of other platforms
// (@esbuild/darwin-arm64 …) that the lockfile lists, so a plain comparison of the two always differed and
// `npm test` re-ran `npm ci` after every `npm install`: an optional package missing is fine, any other
// difference (missing, other version or integrity, extra) is not.
import { readFileSync } from 'node:fs';

const read = (f) => {
  try {
    return JSON.parse(readFileSync(f, 'utf8')).packages ?? {};
  } catch {
    return null;
  }
};
const want = read('package-lock.json');
const have = read('node_modules/.package-lock.json');
if (!want || !have) process.exit(1);
const problems = [];
for (const [path, p] of Object.entries(want)) {
  if (path === '' || p.link) continue;
  const h = have[path];
  if (!h) {
    if (!p.optional && !p.devOptional) problems.push(`missing ${path}`);
    continue;
  }
  if (h.version !== p.version || (p.integrity && h.integrity && h.integrity !== p.integrity)) problems.push(`${path}: ${h.version} ≠ ${p.version}`);
}
for (const path of Object.keys(have)) if (path !== '' && !(path in want)) problems.push(`extra ${path}`);
if (problems.length) {
  console.log(`kongxun test: node_modules differs from package-lock.json (${problems.slice(0, 3).join('; ')}${problems.length > 3 ? ' …' : ''})`);
  process.exit(1);
}
