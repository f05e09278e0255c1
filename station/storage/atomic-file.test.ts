import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileAtomic, writeFileAtomicSync } from './atomic-file.js';

const dirs: string[] = [];
const dir = () => {
  const d = mkdtempSync(join(tmpdir(), 'kx-atomic-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe.each([
  ['writeFileAtomic', (p: string, d: string, o?: { mode?: number }) => writeFileAtomic(p, d, o)],
  ['writeFileAtomicSync', async (p: string, d: string, o?: { mode?: number }) => writeFileAtomicSync(p, d, o)],
])('%s', (_name, write) => {
  it('replaces the file whole, making its folders, and leaves nothing beside it', async () => {
    const d = dir();
    const p = join(d, 'a', 'b', 'model.json');
    expect(await write(p, 'first')).toEqual({ ok: true, value: undefined });
    expect(await write(p, 'second, longer')).toEqual({ ok: true, value: undefined });
    expect(readFileSync(p, 'utf8')).toBe('second, longer');
    expect(readdirSync(join(d, 'a', 'b'))).toEqual(['model.json']);
  });

  it('gives the file its mode from the start, even over a stale .tmp of another mode', async () => {
    const d = dir();
    const p = join(d, 'JH-01.key');
    writeFileSync(`${p}.tmp`, 'stale');
    chmodSync(`${p}.tmp`, 0o644);
    expect((await write(p, 'ab'.repeat(32), { mode: 0o600 })).ok).toBe(true);
    expect(statSync(p).mode & 0o777).toBe(0o600);
    expect(readFileSync(p, 'utf8')).toBe('ab'.repeat(32));
  });

  it('a write that cannot happen is a result with the path, and the old file stays whole', async () => {
    const d = dir();
    const p = join(d, 'model.json');
    expect((await write(p, 'kept')).ok).toBe(true);
    // Its .tmp cannot be opened (a folder has the name): refused before anything is renamed.
    mkdirSync(`${p}.tmp`);
    const r = await write(p, 'never');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain(p);
    expect(readFileSync(p, 'utf8')).toBe('kept');
    // A folder that cannot be made (a file is in the way): refused with the path, nothing thrown.
    const blocked = join(d, 'blocked');
    writeFileSync(blocked, 'a file, not a folder');
    const r2 = await write(join(blocked, 'x.json'), 'never');
    expect(r2.ok).toBe(false);
    expect(!r2.ok && r2.reason).toContain(blocked);
  });
});

