/**
 * The console server's JSON API that is more than one line: the recorded flights, the audit, and the accounts
 * (admins only). Each answers through the `json` of its request (security headers already set).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditResponse } from '../../common/api/contract.js';
import type { Auth, Session } from '../auth/auth.js';
import type { Account } from '../auth/users.js';
import type { AuditLog } from '../gateway/audit.js';
import { principalRole, type Principal } from '../gateway/principal.js';
import { may } from '../gateway/rights.js';
import type { FlightCatalog } from '../replay/flights.js';
import { readJsonBody, refuse } from './http-guard.js';

export type Json = (code: number, body: unknown, extra?: Record<string, string>) => void;

export const FLIGHTS = '/api/flights';

/** GET /api/flights → FlightSummary[]; GET /api/flights/<id> → FlightDetail, or 404 { error } naming the id. */
export async function serveFlights(catalog: FlightCatalog | undefined, path: string, json: (code: number, body: unknown) => void): Promise<void> {
  if (!catalog) return json(404, { error: 'flight replay is not available on this station' });
  try {
    if (path === FLIGHTS) return json(200, await catalog.list());
    // The id (already decoded) is only ever matched against the listed flights: it never becomes a path.
    const id = path.slice(FLIGHTS.length + 1);
    const detail = await catalog.detail(id);
    return detail ? json(200, detail) : json(404, { error: `unknown flight "${id}"` });
  } catch (e) {
    return json(500, { error: `flights: ${String(e)}` });
  }
}

export const identity = (s: Session) => ({ user: s.user, role: s.role, ...(s.desktop ? { desktop: true } : {}) });
const userView = (a: Account) => ({ user: a.name, role: a.role, disabled: a.disabled, createdMs: a.createdMs, updatedMs: a.updatedMs });
/** Paths anyone may load: the app shell (its page, scripts, styles, images) and the sign-in endpoints. */
export const PUBLIC_API = new Set(['/api/login', '/api/logout', '/api/me', '/api/setup']);

/** GET /api/audit for a principal with the audit right (reviewer, admin): rows filtered as the query says. */
export function serveAudit(log: Pick<AuditLog, 'rows' | 'verify'> | undefined, who: Principal, url: string, res: ServerResponse): void {
  const json = (code: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' }).end(text);
  };
  const role = principalRole(who);
  if (!may(role, 'audit')) return json(403, { error: `the audit is for reviewers and admins; ${role} may not read it` });
  if (!log) return json(404, { error: 'this station keeps no audit' });
  let q: URLSearchParams;
  try {
    q = new URL(url, 'http://x').searchParams;
  } catch {
    return json(400, { error: 'malformed query' });
  }
  const since = q.get('since');
  let sinceMs: number | undefined;
  if (since !== null && since !== '') {
    sinceMs = /^\d+$/.test(since) ? Number(since) : Date.parse(since);
    if (!Number.isFinite(sinceMs)) return json(400, { error: `since "${since.slice(0, 40)}" is neither a time nor Unix ms` });
  }
  const limitText = q.get('limit');
  const limit = limitText === null ? 500 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 5000) return json(400, { error: 'limit must be an integer from 1 to 5000' });
  const drone = q.get('drone') || undefined;
  const user = q.get('user') || undefined;
  try {
    const rows = log.rows({ ...(sinceMs !== undefined ? { sinceMs } : {}), ...(drone ? { drone } : {}), ...(user ? { user } : {}), limit });
    const body: AuditResponse = { rows: rows.map(({ prev: _p, ...r }) => r), verify: q.get('verify') === '1' ? log.verify() : null };
    return json(200, body);
  } catch (e) {
    return json(500, { error: `audit: ${String(e)}` });
  }
}

/**
 * /api/users (GET the list, POST a new account) and /api/users/<name> (POST role, disabled or password), for
 * admins only. `closeEndedSockets` runs after a change (a disabled account's consoles close at once).
 */
export async function serveUsers(
  r: { req: IncomingMessage; res: ServerResponse; path: string; method: string; reading: boolean; headers: Record<string, string>; session: Session },
  auth: Auth,
  json: Json,
  closeEndedSockets: () => void,
): Promise<void> {
  const { req, res, path, method, reading, headers } = r;
  if (r.session.role !== 'admin') return json(403, { error: 'only an administrator manages users' });
  if (path === '/api/users') {
    if (reading) return json(200, auth.users.list().map(userView));
    if (method !== 'POST') return refuse(res, 405, 'use GET or POST', { ...headers, allow: 'GET, POST' });
    const body = await readJsonBody(req);
    if (!body.ok) return json(body.code, { error: body.reason });
    const b = (body.value ?? {}) as Record<string, unknown>;
    const added = await auth.addUser(b.user, b.role, b.password);
    return added.ok ? json(200, userView(added.value)) : json(added.code === 'exists' ? 409 : 400, { error: added.reason });
  }
  if (method !== 'POST') return refuse(res, 405, 'use POST', { ...headers, allow: 'POST' });
  const name = path.slice('/api/users/'.length);
  if (!auth.users.get(name)) return json(404, { error: `no user "${name}"` });
  const body = await readJsonBody(req);
  if (!body.ok) return json(body.code, { error: body.reason });
  const b = (body.value ?? {}) as Record<string, unknown>;
  if (b.role === undefined && b.disabled === undefined && b.password === undefined) return json(400, { error: 'give role, disabled or password' });
  if (b.disabled !== undefined && typeof b.disabled !== 'boolean') return json(400, { error: 'disabled must be true or false' });
  if (b.role !== undefined) {
    const r = auth.setRole(name, b.role);
    if (!r.ok) return json(r.code === 'last-admin' ? 409 : 400, { error: r.reason });
  }
  if (b.disabled !== undefined) {
    const r = auth.setDisabled(name, b.disabled as boolean);
    if (!r.ok) return json(r.code === 'last-admin' ? 409 : 400, { error: r.reason });
  }
  if (b.password !== undefined) {
    const r = await auth.setPassword(name, b.password);
    if (!r.ok) return json(400, { error: r.reason });
  }
  closeEndedSockets();
  return json(200, userView(auth.users.get(name)!));
}
