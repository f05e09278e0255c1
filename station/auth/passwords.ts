/**
 * Password hashing with scrypt (node:crypto): memory-hard, a fresh 16-byte salt per password, compared in
 * constant time. The stored form names its parameters, so raising them later keeps old hashes verifiable:
 * `scrypt$<log2 N>$<r>$<p>$<salt b64>$<hash b64>`.
 *
 * Parameters: N = 2^17, r = 8, p = 1 — 128 MiB and ~0.2–0.5 s per hash on a desk PC, OWASP's minimum for
 * scrypt. A sign-in is rare; an attacker who steals DATA/users.sqlite pays the same per guess. The station runs
 * at most two hashes at once (auth.ts), so a flood of sign-ins cannot take its memory.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptParams {
  log2N: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT: ScryptParams = { log2N: 17, r: 8, p: 1 };
const KEY_LEN = 32;
const SALT_LEN = 16;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;

function scrypt(password: string, salt: Buffer, p: ScryptParams): Promise<Buffer> {
  const N = 2 ** p.log2N;
  // Node refuses above maxmem (32 MiB by default); 128·N·r bytes is what scrypt needs, plus headroom.
  const opts: ScryptOptions = { N, r: p.r, p: p.p, maxmem: 128 * N * p.r * 2 + 1024 * 1024 };
  return new Promise((resolve, reject) => scryptCb(password.normalize('NFC'), salt, KEY_LEN, opts, (e, key) => (e ? reject(e) : resolve(key))));
}

/** Why a password cannot be used, or undefined when it can. */
export function passwordProblem(password: unknown): string | undefined {
  if (typeof password !== 'string') return 'the password must be text';
  if ([...password].length < PASSWORD_MIN) return `the password must have at least ${PASSWORD_MIN} characters`;
  if (password.length > PASSWORD_MAX) return `the password may have at most ${PASSWORD_MAX} characters`;
  return undefined;
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_LEN);
  const key = await scrypt(password, salt, params);
  return `scrypt$${params.log2N}$${params.r}$${params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** True only when `password` hashes to `stored`; a malformed stored hash is false, never an exception. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
  if (!m || typeof password !== 'string' || password.length > PASSWORD_MAX) return false;
  const params = { log2N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  if (params.log2N < 10 || params.log2N > 20 || params.r < 1 || params.r > 32 || params.p < 1 || params.p > 16) return false;
  const expected = Buffer.from(m[5]!, 'base64');
  if (expected.length !== KEY_LEN) return false;
  const key = await scrypt(password, Buffer.from(m[4]!, 'base64'), params);
  return timingSafeEqual(key, expected);
}

/** A hash of a random password, verified against when the account does not exist (same cost, same time). */
const decoys = new Map<string, Promise<string>>();
export function decoyHash(params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const key = `${params.log2N}/${params.r}/${params.p}`;
  let d = decoys.get(key);
  if (!d) decoys.set(key, (d = hashPassword(randomBytes(18).toString('base64'), params)));
  return d;
}
