/** The bundled console: out/renderer, built on demand in a clone (esbuild) when missing or stale. */
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export async function consoleStaticDir(): Promise<string> {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const build = (await import(pathToFileURL(join(root, 'scripts', 'build.mjs')).href)) as typeof import('../../scripts/build.mjs');
  if (build.rendererIsStale()) await build.buildRenderer();
  return build.rendererOut;
}
