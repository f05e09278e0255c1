/**
 * `npm run bench`: the headless benches one after another (each in its own process, so one's heap and timers
 * never weigh on the next), then each one's ratios again in one summary. Nothing is asserted: a bench that fails
 * is reported with its exit code and the run goes on.
 *
 *   npm run bench                 the default sizes (several minutes on 2 cores)
 *   npm run bench -- --quick      smaller inputs, for a look
 *   npm run bench -- decode plan  only these
 *
 * Benches that need Chromium, Janus, Mosquitto or ffmpeg (ui-frames, video-*, centre, day-console) are run on their
 * own as bench/README.md says.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Bench {
  name: string;
  args: string[];
  quick: string[];
}

const BENCHES: Bench[] = [
  { name: 'decode', args: [], quick: ['10', '1'] },
  { name: 'fleet', args: [], quick: ['--drones', '10', '--seconds', '5'] },
  { name: 'plan', args: [], quick: [] },
  { name: 'patrol-day', args: [], quick: ['2'] },
  { name: 'gateway', args: [], quick: ['100'] },
  { name: 'mission-upload', args: [], quick: ['2'] },
  { name: 'params', args: [], quick: [] },
  { name: 'logs', args: [], quick: ['64'] },
  { name: 'storage-sync', args: [], quick: ['2', '300'] },
  { name: 'battery-estimate', args: [], quick: [] },
];

/** A line that states a ratio (`17.0×`, `×1.15`, `ratio`, `a / b:`): what a bench is read by. */
const RATIO = /\d×|×\d|\bratio\b|÷| \/ /i;

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const only = argv.filter((a) => !a.startsWith('--'));
const unknown = only.filter((n) => !BENCHES.some((b) => b.name === n));
if (unknown.length > 0) {
  console.error(`bench: no such bench: ${unknown.join(', ')} (known: ${BENCHES.map((b) => b.name).join(', ')})`);
  process.exit(2);
}
const chosen = BENCHES.filter((b) => only.length === 0 || only.includes(b.name));

function run(b: Bench): Promise<{ code: number | null; ratios: string[] }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, `${b.name}.ts`), ...(quick ? b.quick : b.args)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const ratios: string[] = [];
    let rest = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) if (RATIO.test(l)) ratios.push(l.trim());
    });
    child.on('close', (code) => {
      if (RATIO.test(rest)) ratios.push(rest.trim());
      resolve({ code, ratios });
    });
  });
}

const results: { name: string; code: number | null; ratios: string[] }[] = [];
for (const b of chosen) {
  console.log(`\n=== bench/${b.name}.ts ${(quick ? b.quick : b.args).join(' ')}`.trimEnd());
  results.push({ name: b.name, ...(await run(b)) });
}
console.log('\n=== ratios');
for (const r of results) {
  console.log(`${r.name}${r.code === 0 ? '' : `  (failed: exit ${r.code})`}`);
  for (const l of r.ratios) console.log(`  ${l}`);
  if (r.code === 0 && r.ratios.length === 0) console.log('  (no ratio line: see its output above)');
}
process.exitCode = results.some((r) => r.code !== 0) ? 1 : 0;
