#!/usr/bin/env node
// `npm start`: the dispatch desk in its desktop window where Electron can run (its binary is installed and a
// display is there); otherwise the same station as a web console on http://127.0.0.1, with its URL printed.
// Either way the station starts on the built-in simulated fleet with the sample station.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildElectron, buildRenderer, rendererIsStale } from '../scripts/build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function electronBinary() {
  if (process.env.KONGXUN_NO_ELECTRON) return { why: 'KONGXUN_NO_ELECTRON is set' };
  let bin;
  try {
    bin = require('electron'); // the package exports the path of its binary, or throws if it was not downloaded
  } catch {
    return { why: "Electron's binary is not installed (it downloads on `npm install` where the internet is reachable)" };
  }
  if (typeof bin !== 'string' || !existsSync(bin)) return { why: "Electron's binary is not installed" };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return { why: 'no display (DISPLAY is not set)' };
  return { bin };
}

if (rendererIsStale()) await buildRenderer();
const el = electronBinary();
if (el.bin) {
  await buildElectron();
  const child = spawn(el.bin, [join(root, 'out', 'electron', 'main.cjs'), ...process.argv.slice(2)], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log(`kongxun: desktop window not available (${el.why}); starting the web console instead.`);
  const child = spawn(process.execPath, [join(root, 'bin', 'kongxun.mjs'), 'serve', ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code) => process.exit(code ?? 0));
}
