// Bundles the renderer (web console and desktop window page) and the Electron main/preload with esbuild.
// `kongxun serve` calls buildRenderer() itself when the bundle is missing or older than its sources.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const rendererOut = join(root, 'out', 'renderer');

function newestMtime(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

export function rendererIsStale() {
  try {
    const built = statSync(join(rendererOut, 'main.js')).mtimeMs;
    return Math.max(newestMtime(join(root, 'renderer')), statSync(join(root, 'station', 'api', 'contract.ts')).mtimeMs) > built;
  } catch {
    return true;
  }
}

export async function buildRenderer() {
  mkdirSync(rendererOut, { recursive: true });
  await build({
    entryPoints: { main: join(root, 'renderer', 'main.tsx') },
    bundle: true,
    format: 'esm',
    target: 'chrome120',
    outdir: rendererOut,
    sourcemap: true,
    minify: true,
    jsx: 'automatic',
    loader: { '.png': 'dataurl', '.svg': 'dataurl' },
    logLevel: 'warning',
  });
  // The video decoder runs in a worker of its own (renderer/video/worker.ts).
  await build({
    entryPoints: { 'video-worker': join(root, 'renderer', 'video', 'worker.ts') },
    bundle: true,
    format: 'esm',
    target: 'chrome120',
    outdir: rendererOut,
    sourcemap: true,
    minify: true,
    logLevel: 'warning',
  });
  copyFileSync(join(root, 'renderer', 'index.html'), join(rendererOut, 'index.html'));
}

export async function buildElectron() {
  await build({
    entryPoints: { main: join(root, 'electron', 'main.ts'), preload: join(root, 'electron', 'preload.ts') },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outdir: join(root, 'out', 'electron'),
    outExtension: { '.js': '.cjs' },
    external: ['electron', 'serialport', '@serialport/*', 'ws', 'bufferutil', 'utf-8-validate', 'sql.js', 'better-sqlite3'],
    sourcemap: true,
    logLevel: 'warning',
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildRenderer();
  await buildElectron();
  console.log('built out/renderer and out/electron');
}
