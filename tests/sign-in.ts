/**
 * How tests sign in — the one helper every system and end-to-end test uses (the station never turns sign-in
 * off for tests). The naming convention: `addTestUser` makes an account in a data folder, `signIn` gets its
 * session cookie over real HTTP, `withSession` makes the headers a `ws` client or `fetch` sends, and
 * `signInPage` signs a Playwright page's browser context in.
 *
 * Test accounts are hashed with scrypt N = 2^12 instead of the station's 2^17 (each stored hash names its own
 * parameters): the same code path, checked the same way, ~30× cheaper for a suite that signs in often.
 */
import { SystemClock, type Clock } from '../common/clock.js';
import { Auth } from '../station/auth/auth.js';
import type { Role } from '../station/gateway/principal.js';

export const TEST_SCRYPT = { log2N: 12, r: 8, p: 1 };
export const TEST_PASSWORD = 'correct horse battery';

/** The station's accounts in `dataDir`, with cheap test hashes for what it creates. */
export function testAuth(dataDir: string, clock: Clock = new SystemClock()): Auth {
  const a = Auth.open({ dataDir, clock, scrypt: TEST_SCRYPT });
  if (!a.ok) throw new Error(a.reason);
  return a.value;
}

/** Adds `user` (default: the role's name) with `TEST_PASSWORD` to the accounts in `dataDir`. */
export async function addTestUser(dataDir: string, role: Role, user: string = role): Promise<{ user: string; password: string }> {
  const auth = testAuth(dataDir);
  try {
    const r = await auth.addUser(user, role, TEST_PASSWORD);
    if (!r.ok && r.code !== 'exists') throw new Error(r.reason);
  } finally {
    auth.close();
  }
  return { user, password: TEST_PASSWORD };
}

/** Signs in over HTTP and returns the Cookie header value (`kongxun_session=…`). */
export async function signIn(baseUrl: string, user: string, password = TEST_PASSWORD): Promise<string> {
  const res = await fetch(new URL('api/login', baseUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, password }) });
  if (res.status !== 200) throw new Error(`sign-in as ${user}: ${res.status} ${await res.text()}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  if (!cookie.startsWith('kongxun_session=')) throw new Error(`sign-in as ${user}: no session cookie`);
  return cookie;
}

/** Headers of a signed-in request (and WebSocket upgrade): the session cookie. */
export function withSession(cookie: string): { headers: Record<string, string> } {
  return { headers: { cookie } };
}

/** Signs a Playwright page's context in (its cookies then go with every request and WebSocket of the page). */
export async function signInPage(page: { context(): { request: { post(url: string, o: { data: unknown }): Promise<{ status(): number; text(): Promise<string> }> } } }, baseUrl: string, user: string, password = TEST_PASSWORD): Promise<void> {
  const res = await page.context().request.post(new URL('api/login', baseUrl).href, { data: { user, password } });
  if (res.status() !== 200) throw new Error(`sign-in as ${user}: ${res.status()} ${await res.text()}`);
}
