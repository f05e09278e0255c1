/**
 * scripts/test.sh's own checks: whether node_modules is current (scripts/deps-current.mjs, so `npm test` after
 * `npm install` does not run `npm ci` again for the optional packages of other platforms) and the font check,
 * which must not depend on how fast grep quits (pipefail + SIGPIPE).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SCRIPT = resolve('scripts/deps-current.mjs');
const pkg = (version: string, extra: Record<string, unknown> = {}) => ({ version, integrity: `sha512-${version}`, ...extra });

function project(lock: Record<string, unknown>, installed: Record<string, unknown> | null): string {
  const dir = mkdtempSync(join(tmpdir(), 'kx-deps-'));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages: { '': { name: 'x' }, ...lock } }));
  if (installed) {
    mkdirSync(join(dir, 'node_modules'));
    writeFileSync(join(dir, 'node_modules', '.package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages: installed }));
  }
  return dir;
}
const current = (dir: string) => spawnSync(process.execPath, [SCRIPT], { cwd: dir, encoding: 'utf8' }).status;

describe('scripts/test.sh: is node_modules current?', () => {
  const lock = {
    'node_modules/ws': pkg('8.23.0'),
    'node_modules/@esbuild/linux-x64': pkg('0.28.2', { optional: true }),
    'node_modules/@esbuild/darwin-arm64': pkg('0.28.2', { optional: true }),
  };
  it('yes after npm install: the optional packages of other platforms are not installed', () => {
    expect(current(project(lock, { 'node_modules/ws': pkg('8.23.0'), 'node_modules/@esbuild/linux-x64': pkg('0.28.2', { optional: true }) }))).toBe(0);
  });
  it('no when a package is missing, of another version, or extra, or nothing is installed', () => {
    expect(current(project(lock, { 'node_modules/@esbuild/linux-x64': pkg('0.28.2') }))).toBe(1);
    expect(current(project(lock, { 'node_modules/ws': pkg('8.22.0') }))).toBe(1);
    expect(current(project(lock, { 'node_modules/ws': pkg('8.23.0'), 'node_modules/mqtt': pkg('5.16.0') }))).toBe(1);
    expect(current(project(lock, null))).toBe(1);
  });
});

describe('scripts/test.sh: the font check', () => {
  it('finds a CJK font in a long font list every time under pipefail', () => {
    // A fake fc-list whose match comes first and whose list is long: `fc-list | grep -q` would see it die of SIGPIPE.
    const bin = mkdtempSync(join(tmpdir(), 'kx-fc-'));
    writeFileSync(join(bin, 'fc-list'), '#!/bin/sh\necho "/usr/share/fonts/NotoSansCJK-Regular.ttc: Noto Sans CJK SC:style=Regular"\nyes "/usr/share/fonts/x.ttf: Some Font:style=Regular" | head -n 200000\n');
    chmodSync(join(bin, 'fc-list'), 0o755);
    const check = execFileSync('bash', ['-c', 'grep -A1 "^fonts=" scripts/test.sh'], { encoding: 'utf8' }).trim();
    for (let i = 0; i < 5; i++) {
      const r = spawnSync('bash', ['-c', `set -euo pipefail; need_pkgs=(); ${check}; echo "need:\${#need_pkgs[@]}"`], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8' });
      expect(r.stdout.trim(), r.stderr).toBe("need:0");
    }
  });
});
