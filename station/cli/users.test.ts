import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SystemClock } from '../../common/clock.js';
import { Auth } from '../auth/auth.js';
import { bufferIo } from './io.js';
import { usersMain, type PasswordSource } from './users.js';

const answers = (...lines: string[]): PasswordSource & { asked: string[] } => {
  const asked: string[] = [];
  return { asked, prompt: async (q) => (asked.push(q), lines.shift() ?? ''), stdin: async () => `${lines.shift() ?? ''}\n` };
};

async function signsIn(data: string, user: string, password: string): Promise<boolean> {
  const a = Auth.open({ dataDir: data, clock: new SystemClock() });
  if (!a.ok) throw new Error(a.reason);
  try {
    return (await a.value.signIn(user, password, '127.0.0.1')).ok;
  } finally {
    a.value.close();
  }
}

describe('kongxun users', () => {
  it('adds (password asked twice, never an argument), lists, changes a role, a password, disables and enables', async () => {
    const data = mkdtempSync(join(tmpdir(), 'kx-users-'));
    const io = bufferIo();
    const pw = answers('first password', 'first password');
    expect(await usersMain(['add', 'wang', '--role', 'admin', '--data', data], io, pw)).toBe(0);
    expect(pw.asked).toEqual(['password for wang: ', 'again: ']);
    expect(await usersMain(['add', 'li', '--role', 'pilot', '--data', data], io, answers('one password', 'another one'))).toBe(2);
    expect(io.errors.at(-1)).toContain('differ');
    expect(await usersMain(['add', 'li', '--role', 'pilot', '--data', data, '--password-stdin'], io, answers('li password'))).toBe(0);
    expect(await usersMain(['add', 'zhao', '--role', 'pilot', '--password', 'x', '--data', data], io, answers())).toBe(2);
    expect(io.errors.at(-1)).toContain('unknown option --password');
    expect(await usersMain(['add', 'zhao', '--role', 'captain', '--data', data, '--password-stdin'], io, answers('long enough'))).toBe(2);
    expect(await usersMain(['add', 'zhao', '--role', 'pilot', '--data', data, '--password-stdin'], io, answers('short'))).toBe(2);
    const file = join(data, 'pw.txt');
    writeFileSync(file, 'from a file\nignored');
    expect(await usersMain(['add', 'zhao', '--role', 'viewer', '--data', data, '--password-file', file], io, answers())).toBe(0);
    expect(await signsIn(data, 'zhao', 'from a file')).toBe(true);
    // The hashes are the station user's alone, the WAL included.
    if (process.platform !== 'win32')
      for (const f of ['users.sqlite', 'users.sqlite-wal', 'users.sqlite-shm'].map((n) => join(data, n)).filter(existsSync)) expect([f, statSync(f).mode & 0o777]).toEqual([f, 0o600]);

    const list = bufferIo();
    expect(await usersMain(['list', '--json', '--data', data], list, answers())).toBe(0);
    expect(list.lines.map((l) => JSON.parse(l) as { user: string; role: string; disabled: boolean }).map((u) => `${u.user}:${u.role}:${u.disabled}`)).toEqual(['li:pilot:false', 'wang:admin:false', 'zhao:viewer:false']);

    expect(await usersMain(['role', 'li', 'dispatcher', '--data', data], io, answers())).toBe(0);
    expect(await usersMain(['role', 'wang', 'viewer', '--data', data], io, answers())).toBe(2);
    expect(io.errors.at(-1)).toContain('last active administrator');
    expect(await usersMain(['passwd', 'li', '--data', data, '--password-stdin'], io, answers('new li password'))).toBe(0);
    expect(await signsIn(data, 'li', 'li password')).toBe(false);
    expect(await signsIn(data, 'li', 'new li password')).toBe(true);
    expect(await usersMain(['disable', 'li', '--data', data], io, answers())).toBe(0);
    expect(await signsIn(data, 'li', 'new li password')).toBe(false);
    expect(await usersMain(['enable', 'li', '--data', data], io, answers())).toBe(0);
    expect(await signsIn(data, 'li', 'new li password')).toBe(true);
    const table = bufferIo();
    await usersMain(['list', '--data', data], table, answers());
    expect(table.lines.join('\n')).toMatch(/li\s+dispatcher 值班调度\s+active/);
  });

  it('runs as a process, reading the password from stdin', () => {
    const data = mkdtempSync(join(tmpdir(), 'kx-users-'));
    const r = spawnSync(process.execPath, ['bin/kongxun.mjs', 'users', 'add', 'chen', '--role', 'reviewer', '--password-stdin', '--data', data], { input: 'chen password\n', encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('added chen (reviewer)');
    expect(r.status).toBe(0);
    const l = spawnSync(process.execPath, ['bin/kongxun.mjs', 'users', 'list', '--data', data], { encoding: 'utf8' });
    expect(l.stdout).toMatch(/^chen\s+reviewer/);
  });
});
