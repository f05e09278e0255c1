/**
 * The desktop package's hardening lives in electron-builder.yml (its binary cannot be built here): the fuses
 * that keep a local user from running the app as Node, passing NODE_OPTIONS or --inspect, or loading code from
 * outside its integrity-checked app.asar. This holds the file to them, so a change that drops one fails here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The `key: value` lines of a top-level YAML block (flat scalars only, which is all this block holds). */
function block(text: string, name: string): Record<string, string> {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l === `${name}:`);
  if (start < 0) return {};
  const out: Record<string, string> = {};
  for (const l of lines.slice(start + 1)) {
    const m = /^ {2}(\w+): *(\S+)\s*$/.exec(l);
    if (!m) break;
    out[m[1]!] = m[2]!;
  }
  return out;
}

describe('electron-builder.yml', () => {
  const text = readFileSync(new URL('../../electron-builder.yml', import.meta.url), 'utf8');
  it('flips the fuses: no run-as-node, no NODE_OPTIONS or --inspect, app.asar only and integrity-checked', () => {
    expect(block(text, 'electronFuses')).toEqual({
      runAsNode: 'false',
      enableNodeOptionsEnvironmentVariable: 'false',
      enableNodeCliInspectArguments: 'false',
      enableEmbeddedAsarIntegrityValidation: 'true',
      onlyLoadAppFromAsar: 'true',
      enableCookieEncryption: 'true',
    });
  });
  it('packages the Electron the project depends on', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { optionalDependencies: Record<string, string> };
    expect(/^electronVersion: (\S+)$/m.exec(text)?.[1]).toBe(pkg.optionalDependencies.electron);
  });
});
