// Prints the closing line of `npm test` from the runners' JSON reports: "total: N passed, N failed".
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync('test-results/vitest.json')) {
  const v = JSON.parse(readFileSync('test-results/vitest.json', 'utf8'));
  passed += v.numPassedTests ?? 0;
  failed += v.numFailedTests ?? 0;
  skipped += (v.numPendingTests ?? 0) + (v.numTodoTests ?? 0);
  console.log(`vitest: ${v.numPassedTests ?? 0} passed, ${v.numFailedTests ?? 0} failed`);
  // A file that failed with none of its tests failing did not run (an import or a hook threw). numFailedTestSuites
  // is not that count: it also counts each file and describe block around a failed test.
  const notRun = (v.testResults ?? []).filter((f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'));
  if (notRun.length > 0) {
    console.log(`vitest: ${notRun.length} test files failed to run: ${notRun.map((f) => f.name).join(', ')}`);
    failed += notRun.length;
  }
} else {
  console.log('vitest: no report (the run did not complete)');
  failed += 1;
}
if (existsSync('test-results/playwright.json')) {
  const p = JSON.parse(readFileSync('test-results/playwright.json', 'utf8'));
  const s = p.stats ?? {};
  const pp = s.expected ?? 0;
  const pf = (s.unexpected ?? 0) + (s.flaky ?? 0);
  passed += pp;
  failed += pf;
  skipped += s.skipped ?? 0;
  console.log(`playwright: ${pp} passed, ${pf} failed`);
}
console.log(`total: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
