import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openUserStore, userNameProblem } from './users.js';

describe('the user store', () => {
  it.skipIf(process.platform === 'win32')('keeps the hashes private: the database and its WAL files are mode 600 while open', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kx-users-'));
    const s = openUserStore(dir);
    if (!s.ok) throw new Error(s.reason);
    expect(s.value.add('li', 'pilot', 'scrypt$…', 1).ok).toBe(true);
    for (const f of ['users.sqlite', 'users.sqlite-wal', 'users.sqlite-shm']) expect([f, statSync(join(dir, f)).mode & 0o777]).toEqual([f, 0o600]);
    s.value.close();
  });

  it('takes names of letters of any script, digits, . _ -, and refuses markup, spaces and reserved names', () => {
    for (const ok of ['li', '王伟', 'wall-1', 'zhang.wei', 'a_b']) expect(userNameProblem(ok), ok).toBeUndefined();
    for (const bad of ['', ' li', 'li wei', '<img>', '-li', 'a'.repeat(33), 'desktop', 'patrol-runner', 'anonymous', 7]) expect(userNameProblem(bad), String(bad)).toBeDefined();
  });

  it('raises an account generation on every change (sessions made before end)', () => {
    const s = openUserStore(mkdtempSync(join(tmpdir(), 'kx-users-')));
    if (!s.ok) throw new Error(s.reason);
    const a = s.value.add('li', 'pilot', 'h1', 1);
    expect(a.ok && a.value.generation).toBe(1);
    s.value.setRole('li', 'viewer', 2);
    s.value.setPassword('li', 'h2', 3);
    const d = s.value.setDisabled('li', true, 4);
    expect(d.ok && d.value).toMatchObject({ role: 'viewer', disabled: true, generation: 4, updatedMs: 4 });
    expect(s.value.setRole('nobody', 'pilot', 5).ok).toBe(false);
    expect(s.value.add('li', 'pilot', 'h', 6).ok).toBe(false);
    s.value.close();
  });
});
