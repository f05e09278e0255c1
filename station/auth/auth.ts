/**
 * Sign-in and sessions for the console: who a request is. Accounts live in DATA/users.sqlite (users.ts),
 * passwords are scrypt hashes (passwords.ts); sessions live in the station's memory (a restart signs everyone
 * out), keyed by the SHA-256 of a 256-bit random token that only the browser's HttpOnly cookie holds.
 *
 * - A session ends after `idleMs` without a request (30 min by default), after `maxMs` in all (12 h: a duty
 *   shift), at sign-out, and when its account changes (password, role, disabled: the account's generation).
 * - Failed sign-ins are limited per account (5 per 15 min) and per client address (20 per 15 min); past the
 *   limit the answer is "try again in N s" before any password is hashed. At most two scrypt hashes run at
 *   once; more sign-ins at the same moment are told to retry.
 * - First start: with no account, a one-time setup token (printed as a URL on 127.0.0.1) lets one person on the
 *   station's own machine create the first administrator; it is accepted from loopback only, once.
 * - The desktop app's own window is signed in by `desktopSession()`, made at each launch in the same process.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../common/clock.js';
import { err, ok, type Result } from '../../common/result.js';
import { isRole, type Principal, type Role, type Via } from '../gateway/principal.js';
import { decoyHash, hashPassword, passwordProblem, verifyPassword, type ScryptParams } from './passwords.js';
import { openUserStore, userNameProblem, type Account, type UserStore } from './users.js';


/** The first administrator's pilot twin is named NAME-pilot (station/auth/auth.ts setup). */
export const PILOT_SUFFIX = '-pilot';
export const pilotTwin = (name: string): string => `${name}${PILOT_SUFFIX}`;

export const SESSION_COOKIE = 'kongxun_session';

export interface AuthOptions {
  dataDir: string;
  clock: Clock;
  idleMs?: number;
  maxMs?: number;
  /** Tests may use cheaper hashes for accounts they create; stored hashes always carry their own parameters. */
  scrypt?: ScryptParams;
  limits?: { perAccount: number; perAddress: number; windowMs: number };
}

export interface Session {
  user: string;
  role: Role;
  /** The desktop app's own window (not an account). */
  desktop: boolean;
  createdMs: number;
  lastMs: number;
}

export type SignInResult = { ok: true; token: string; account: Account } | { ok: false; code: 'bad-credentials' | 'rate-limited' | 'busy' | 'bad-request'; reason: string; retryAfterS?: number };

interface Stored {
  user: string;
  generation: number;
  desktop: boolean;
  createdMs: number;
  lastMs: number;
  role: Role;
}

const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

export function isLoopback(address: string | undefined): boolean {
  return typeof address === 'string' && LOOPBACK.test(address);
}

export class Auth {
  readonly users: UserStore;
  private readonly sessions = new Map<string, Stored>();
  private readonly failures = new Map<string, number[]>();
  private hashing = 0;
  private setupToken: string | undefined;
  readonly idleMs: number;
  readonly maxMs: number;
  private readonly limits: { perAccount: number; perAddress: number; windowMs: number };

  private constructor(
    users: UserStore,
    private readonly o: AuthOptions,
  ) {
    this.users = users;
    this.idleMs = o.idleMs ?? 30 * 60_000;
    this.maxMs = o.maxMs ?? 12 * 3_600_000;
    this.limits = o.limits ?? { perAccount: 5, perAddress: 20, windowMs: 15 * 60_000 };
  }

  static open(o: AuthOptions): Result<Auth> {
    const users = openUserStore(o.dataDir);
    if (!users.ok) return users;
    return ok(new Auth(users.value, o));
  }

  /** The one-time setup token while the station has no account (made on first call), else undefined. */
  setupTokenIfNeeded(): string | undefined {
    if (this.users.count() > 0) {
      this.setupToken = undefined;
      return undefined;
    }
    this.setupToken ??= randomBytes(24).toString('base64url');
    return this.setupToken;
  }

  needsSetup(): boolean {
    return this.users.count() === 0;
  }

  hash(password: string): Promise<string> {
    return hashPassword(password, this.o.scrypt);
  }

  /**
   * First start, with the setup token (from loopback only): creates the newcomer's two accounts — the first
   * administrator `NAME` (users, keys, settings) and their pilot twin `NAME-pilot` (飞手: flies; an administrator
   * may not) with the same password, each hashed with its own salt — and signs them in as the pilot, so the
   * first console they see can fly the drones. Every action keeps an author with a password; the administrator
   * may disable the twin later like any account.
   */
  async setup(token: unknown, name: unknown, password: unknown, from: string | undefined): Promise<Result<{ token: string; account: Account; pilot: Account }>> {
    if (!isLoopback(from)) return err('forbidden', 'the first administrator is created on the station machine itself (127.0.0.1)');
    const expected = this.setupToken;
    if (!expected || this.users.count() > 0) return err('done', 'this station already has users: sign in');
    if (typeof token !== 'string' || token.length !== expected.length || !timingSafeEqual(Buffer.from(token), Buffer.from(expected))) return err('bad-token', 'the setup link is not valid (use the one the station printed)');
    const bad = userNameProblem(name) ?? passwordProblem(password);
    if (bad) return err('bad-request', bad);
    const twin = pilotTwin(name as string);
    if (userNameProblem(twin)) return err('bad-request', `a name of at most ${32 - PILOT_SUFFIX.length} characters (the pilot account is NAME${PILOT_SUFFIX})`);
    // Two salts, hashed side by side (scrypt runs on libuv's pool): the form waits for one hash's time, not two.
    const [hash, pilotHash] = await Promise.all([this.hash(password as string), this.hash(password as string)]);
    // Another request may have won while hashing.
    if (this.users.count() > 0) return err('done', 'this station already has users: sign in');
    const now = this.o.clock.now();
    const added = this.users.add(name as string, 'admin', hash, now);
    if (!added.ok) return added;
    const pilot = this.users.add(twin, 'pilot', pilotHash, now);
    if (!pilot.ok) return pilot;
    this.setupToken = undefined;
    return ok({ token: this.newSession(pilot.value, false), account: added.value, pilot: pilot.value });
  }

  private recentFailures(key: string, now: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => now - t < this.limits.windowMs);
    if (list.length > 0) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }

  private limited(keys: [string, number][], now: number): number | undefined {
    for (const [key, max] of keys) {
      const list = this.recentFailures(key, now);
      if (list.length >= max) return Math.max(1, Math.ceil((list[list.length - max]! + this.limits.windowMs - now) / 1000));
    }
    return undefined;
  }

  async signIn(name: unknown, password: unknown, from: string): Promise<SignInResult> {
    if (typeof name !== 'string' || typeof password !== 'string' || name.length > 64 || password.length > 256) return { ok: false, code: 'bad-request', reason: 'give a user name and a password' };
    const now = this.o.clock.now();
    const accountKey = `u:${name.normalize('NFC')}`;
    const addressKey = `a:${from}`;
    const wait = this.limited(
      [
        [accountKey, this.limits.perAccount],
        [addressKey, this.limits.perAddress],
      ],
      now,
    );
    if (wait !== undefined) return { ok: false, code: 'rate-limited', reason: `too many failed sign-ins: try again in ${wait} s`, retryAfterS: wait };
    if (this.hashing >= 2) return { ok: false, code: 'busy', reason: 'the station is busy signing others in: try again in a second', retryAfterS: 1 };
    this.hashing++;
    let good: boolean;
    const acc = this.users.get(name);
    try {
      // An unknown name costs the same hash as a known one, so timing does not tell which names exist.
      good = await verifyPassword(password, acc?.hash ?? (await decoyHash(this.o.scrypt)));
    } finally {
      this.hashing--;
    }
    if (!acc || !good || acc.disabled) {
      const at = this.o.clock.now();
      for (const k of [accountKey, addressKey]) this.failures.set(k, [...this.recentFailures(k, at), at]);
      return { ok: false, code: 'bad-credentials', reason: acc?.disabled && good ? 'this account is disabled' : 'wrong user name or password' };
    }
    this.failures.delete(accountKey);
    return { ok: true, token: this.newSession(acc, false), account: acc };
  }

  private newSession(acc: Account, desktop: boolean): string {
    const token = randomBytes(32).toString('base64url');
    const now = this.o.clock.now();
    this.sessions.set(sha(token), { user: acc.name, generation: acc.generation, desktop, createdMs: now, lastMs: now, role: acc.role });
    return token;
  }

  /** A session for the desktop app's own window: made in-process at launch, never printed or stored. */
  desktopSession(role: Role = 'pilot'): string {
    const token = randomBytes(32).toString('base64url');
    const now = this.o.clock.now();
    this.sessions.set(sha(token), { user: 'desktop', generation: 0, desktop: true, createdMs: now, lastMs: now, role });
    return token;
  }

  /**
   * The live session of a token, touching it (idle timer) unless `touch` is false; undefined when unknown,
   * idle too long, too old, signed out, or its account changed or was disabled.
   */
  session(token: string | undefined, touch = true): Session | undefined {
    if (!token || token.length > 100) return undefined;
    const key = sha(token);
    const s = this.sessions.get(key);
    if (!s) return undefined;
    const now = this.o.clock.now();
    const expired = !s.desktop && (now - s.lastMs > this.idleMs || now - s.createdMs > this.maxMs);
    let role = s.role;
    if (!s.desktop) {
      const acc = this.users.get(s.user);
      if (!acc || acc.disabled || acc.generation !== s.generation) {
        this.sessions.delete(key);
        return undefined;
      }
      role = acc.role;
    }
    if (expired) {
      this.sessions.delete(key);
      return undefined;
    }
    if (touch) s.lastMs = now;
    return { user: s.user, role, desktop: s.desktop, createdMs: s.createdMs, lastMs: s.lastMs };
  }

  signOut(token: string | undefined): void {
    if (token) this.sessions.delete(sha(token));
  }

  /** Drops expired sessions and old failure records (called now and then). */
  sweep(): void {
    const now = this.o.clock.now();
    for (const [k, s] of this.sessions) if (!s.desktop && (now - s.lastMs > this.idleMs || now - s.createdMs > this.maxMs)) this.sessions.delete(k);
    for (const k of [...this.failures.keys()]) this.recentFailures(k, now);
  }

  principal(s: Session, from: string, via: Via): Principal {
    return { kind: 'user', user: s.user, role: s.role, from: s.desktop ? 'desktop' : from, via: s.desktop ? 'desktop' : via };
  }

  // Account management (admin page, `kongxun users`): every change is one function, checked.
  async addUser(name: unknown, role: unknown, password: unknown): Promise<Result<Account>> {
    const bad = userNameProblem(name) ?? (isRole(role) ? undefined : `unknown role "${String(role)}"`) ?? passwordProblem(password);
    if (bad) return err('bad-request', bad);
    return this.users.add(name as string, role as Role, await this.hash(password as string), this.o.clock.now());
  }

  async setPassword(name: string, password: unknown): Promise<Result<Account>> {
    const bad = passwordProblem(password);
    if (bad) return err('bad-request', bad);
    return this.users.setPassword(name, await this.hash(password as string), this.o.clock.now());
  }

  setRole(name: string, role: unknown): Result<Account> {
    if (!isRole(role)) return err('bad-request', `unknown role "${String(role)}"`);
    if (role !== 'admin' && this.isLastAdmin(name)) return err('last-admin', `"${name}" is the last active administrator`);
    return this.users.setRole(name, role, this.o.clock.now());
  }

  setDisabled(name: string, disabled: boolean): Result<Account> {
    if (disabled && this.isLastAdmin(name)) return err('last-admin', `"${name}" is the last active administrator`);
    return this.users.setDisabled(name, disabled, this.o.clock.now());
  }

  private isLastAdmin(name: string): boolean {
    const admins = this.users.list().filter((a) => a.role === 'admin' && !a.disabled);
    return admins.length === 1 && admins[0]!.name === name;
  }

  close(): void {
    this.sessions.clear();
    this.users.close();
  }
}

/** The session token from a Cookie header, if any. */
export function sessionToken(cookie: string | undefined): string | undefined {
  if (!cookie) return undefined;
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(token: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

export function clearedCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
}
