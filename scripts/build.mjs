// Bundles the renderer (web console and desktop window page) and the Electron main/preload with esbuild.
// `kongxun serve` calls buildRenderer() itself when the bundle is missing or older than its sources.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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
    if (!existsSync(join(rendererOut, 'fonts', 'noto-sans-sc.css'))) return true;
    // What the console bundles: renderer/, and what it imports of common/ (the contract, the video codec) and missions/.
    return Math.max(newestMtime(join(root, 'renderer')), newestMtime(join(root, 'common')), newestMtime(join(root, 'missions'))) > built;
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
  copyFonts();
}

/** The CJK font the console ships (weights 400 and 700 of Noto Sans SC), served by the station itself. */
export const FONT_WEIGHTS = [400, 700];

/**
 * Noto Sans SC from @fontsource/noto-sans-sc into out/renderer/fonts/: for each weight its @font-face rules as
 * the package writes them (one per subset, each with its unicode-range, so a page fetches only the subsets of
 * the characters it shows), WOFF2 only (every Chromium reads it; the WOFF copies are dropped), and the WOFF2
 * files those rules name — nothing else of the package's 76 MB. The files sit under the package's version, so
 * they are cached for good (the station serves /fonts/ immutable) and a new version is a new path.
 * Returns the bytes written.
 */
export function copyFonts(dest = join(rendererOut, 'fonts')) {
  const require = createRequire(import.meta.url);
  const pkg = dirname(require.resolve('@fontsource/noto-sans-sc/package.json'));
  const version = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).version;
  // Written beside, then put in place: two builds at once (servers started side by side) never see half a folder.
  const out = `${dest}.tmp-${process.pid}`;
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, version), { recursive: true });
  let css = `/* Noto Sans SC ${version} (SIL Open Font License 1.1, see ${version}/LICENSE), weights ${FONT_WEIGHTS.join(' and ')}: from @fontsource/noto-sans-sc by scripts/build.mjs. */\n`;
  let bytes = 0;
  for (const w of FONT_WEIGHTS) {
    const src = readFileSync(join(pkg, `${w}.css`), 'utf8');
    const rules = src.replace(/src: url\(\.\/files\/([\w-]+\.woff2)\) format\('woff2'\), url\(\.\/files\/[\w-]+\.woff\) format\('woff'\);/g, (_m, file) => {
      copyFileSync(join(pkg, 'files', file), join(out, version, file));
      bytes += statSync(join(out, version, file)).size;
      return `src: url(./${version}/${file}) format('woff2');`;
    });
    if (/\.woff\)/.test(rules) || !/unicode-range/.test(rules)) throw new Error(`@fontsource/noto-sans-sc ${version}: ${w}.css is not in the form expected`);
    css += rules;
  }
  copyFileSync(join(pkg, 'LICENSE'), join(out, version, 'LICENSE'));
  writeFileSync(join(out, 'noto-sans-sc.css'), css);
  const files = readdirSync(join(out, version)).filter((f) => f.endsWith('.woff2')).length;
  try {
    rmSync(dest, { recursive: true, force: true });
    renameSync(out, dest);
  } catch (e) {
    // Another build put its (identical) copy in place meanwhile: keep that one.
    rmSync(out, { recursive: true, force: true });
    if (!existsSync(join(dest, 'noto-sans-sc.css'))) throw e;
  }
  return { version, bytes, files };
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
