import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock.js';
import { Auth, isLoopback, sessionToken } from './auth.js';
import { DEFAULT_SCRYPT, hashPassword, verifyPassword } from './passwords.js';

const CHEAP = { log2N: 12, r: 8, p: 1 };
const open = (clock = new FakeClock()) => {
  const a = Auth.open({ dataDir: mkdtempSync(join(tmpdir(), 'kx-auth-')), clock, scrypt: CHEAP });
  if (!a.ok) throw new Error(a.reason);
  return a.value;
};

describe('passwords', () => {
  it('scrypt with a fresh salt per hash, its parameters in the stored form; only the password verifies', async () => {
    const a = await hashPassword('correct horse', CHEAP);
    const b = await hashPassword('correct horse', CHEAP);
    expect(a).toMatch(/^scrypt\$12\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct hors', a)).toBe(false);
    // NFC: the same password typed with a composed or a decomposed é.
    expect(await verifyPassword('caf\u0065\u0301 password', await hashPassword('caf\u00e9 password', CHEAP))).toBe(true);
    for (const bad of ['', 'scrypt$99$8$1$AAAA$AAAA', 'scrypt$12$8$1$AAAA$AAAA', 'plain', a.replace('$12$', '$30$')]) expect(await verifyPassword('correct horse', bad)).toBe(false);
  });

  it('costs what the note says at the station parameters (N=2^17, r=8, p=1): the login cost', async () => {
    const stored = await hashPassword('measure me please', DEFAULT_SCRYPT);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      expect(await verifyPassword('measure me please', stored)).toBe(true);
      times.push(performance.now() - t0);
    }
    times.sort((x, y) => x - y);
    console.log(`login cost (scrypt N=2^17 r=8 p=1, 128 MiB): median ${times[2]!.toFixed(0)} ms, min ${times[0]!.toFixed(0)} ms, max ${times[4]!.toFixed(0)} ms over 5 verifications`);
  });
});

describe('auth', () => {
  it('the first administrator: a one-time token, from loopback only, once', async () => {
    const a = open();
    const token = a.setupTokenIfNeeded()!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(a.setupTokenIfNeeded()).toBe(token);
    expect((await a.setup(token, 'boss', 'long password', '192.168.1.20')).ok).toBe(false);
    expect((await a.setup('x'.repeat(32), 'boss', 'long password', '127.0.0.1')).ok).toBe(false);
    expect((await a.setup(token, 'boss', 'short', '127.0.0.1')).ok).toBe(false);
    // A name too long for its pilot twin (NAME-pilot ≤ 32) is refused, saying so.
    const long = await a.setup(token, 'b'.repeat(27), 'long password', '127.0.0.1');
    expect(!long.ok && long.reason).toContain('at most 26');
    expect(a.users.count()).toBe(0);
    const r = await a.setup(token, 'boss', 'long password', '::ffff:127.0.0.1');
    expect(r.ok && r.value.account.role).toBe('admin');
    // The newcomer's pilot twin, signed in: the first console can fly.
    expect(r.ok && r.value.pilot).toMatchObject({ name: 'boss-pilot', role: 'pilot' });
    expect(r.ok && a.session(r.value.token)).toMatchObject({ user: 'boss-pilot', role: 'pilot' });
    expect(a.users.list().map((u) => [u.name, u.role])).toEqual([['boss', 'admin'], ['boss-pilot', 'pilot']]);
    // Both sign in with the one password; each has its own salt.
    expect((await a.signIn('boss', 'long password', '127.0.0.1')).ok).toBe(true);
    expect((await a.signIn('boss-pilot', 'long password', '127.0.0.1')).ok).toBe(true);
    expect(a.users.get('boss')!.hash).not.toBe(a.users.get('boss-pilot')!.hash);
    expect((await a.setup(token, 'boss2', 'long password', '127.0.0.1')).ok).toBe(false);
    expect(a.setupTokenIfNeeded()).toBeUndefined();
    a.close();
  });

  it('sessions: idle timeout, the 12 h limit, the role read from the account on each use', async () => {
    const clock = new FakeClock();
    const a = open(clock);
    await a.addUser('li', 'pilot', 'long password');
    const r = await a.signIn('li', 'long password', '127.0.0.1');
    if (!r.ok) throw new Error(r.reason);
    expect(a.session(r.token)?.role).toBe('pilot');
    a.setRole('li', 'viewer');
    // A changed account ends its sessions.
    expect(a.session(r.token)).toBeUndefined();
    const again = await a.signIn('li', 'long password', '127.0.0.1');
    if (!again.ok) throw new Error(again.reason);
    expect(a.session(again.token)?.role).toBe('viewer');
    for (let i = 0; i < 24; i++) {
      clock.advance(29 * 60_000);
      expect(a.session(again.token)).toBeDefined();
    }
    // 12 h after sign-in, however busy.
    clock.advance(25 * 60_000);
    expect(a.session(again.token)).toBeUndefined();
    const idle = await a.signIn('li', 'long password', '127.0.0.1');
    if (!idle.ok) throw new Error(idle.reason);
    clock.advance(a.idleMs + 1);
    expect(a.session(idle.token)).toBeUndefined();
    const desk = a.desktopSession();
    clock.advance(48 * 3_600_000);
    expect(a.session(desk)).toMatchObject({ user: 'desktop', role: 'pilot', desktop: true });
    a.close();
  });

  it('reads the session cookie among others, and knows loopback addresses', () => {
    expect(sessionToken('a=1; kongxun_session=abc; b=2')).toBe('abc');
    expect(sessionToken('kongxun_sessionx=abc')).toBeUndefined();
    expect(sessionToken(undefined)).toBeUndefined();
    expect(['127.0.0.1', '::1', '::ffff:127.0.0.1', '127.1.2.3'].every(isLoopback)).toBe(true);
    expect(['10.0.0.1', '::ffff:10.0.0.1', '', undefined].some(isLoopback)).toBe(false);
  });
});
