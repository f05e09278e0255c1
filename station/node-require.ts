/**
 * A CommonJS `require` that works both where the station runs as ES modules (tsx, the CLI) and where it is
 * bundled as CommonJS (the Electron main process, where `import.meta.url` is empty).
 */
import { createRequire } from 'node:module';

export function nodeRequire(): NodeRequire {
  return typeof require === 'function' ? require : createRequire(import.meta.url);
}
