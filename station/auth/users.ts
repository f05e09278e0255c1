/**
 * The station's local accounts, in DATA/users.sqlite (better-sqlite3, as the patrol store).
 *
 * Why SQLite and not a JSON file: `kongxun users add|passwd|disable|role` runs while the station serves, so two
 * processes write the same accounts; SQLite serialises their writes and every read sees a whole state, where a
 * JSON file's read-modify-write by two processes loses one of them. The station reads the account on each
 * request, so a disable or a role change from the CLI takes effect at once, without a restart.
 *
 * Each account has a `generation`, raised by every change of password, role or state: a session remembers the
 * generation it was made at, and ends when it no longer matches.
 */
import { openSqlite } from '../storage/sqlite.js';
import { err, ok, type Result } from '../../common/result.js';
import { isRole, type Role } from '../gateway/principal.js';

export interface Account {
  name: string;
  role: Role;
  disabled: boolean;
  createdMs: number;
  updatedMs: number;
  generation: number;
}

export interface UserStore {
  count(): number;
  list(): Account[];
  get(name: string): (Account & { hash: string }) | undefined;
  add(name: string, role: Role, hash: string, atMs: number): Result<Account>;
  setPassword(name: string, hash: string, atMs: number): Result<Account>;
  setRole(name: string, role: Role, atMs: number): Result<Account>;
  setDisabled(name: string, disabled: boolean, atMs: number): Result<Account>;
  close(): void;
}

/** A user name: letters (any script), digits, `.`, `_`, `-`; 1–32 characters, starting with a letter or digit. */
export function userNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'the user name must be text';
  if (!/^[\p{L}\p{N}][\p{L}\p{N}._-]{0,31}$/u.test(name)) return 'a user name has 1–32 letters, digits, ".", "_" or "-", starting with a letter or digit';
  if (name === 'desktop' || name === 'anonymous' || name === 'patrol-runner') return `"${name}" is reserved`;
  return undefined;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, role TEXT NOT NULL, hash TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL, generation INTEGER NOT NULL DEFAULT 1);
`;

interface Row {
  name: string;
  role: string;
  hash: string;
  disabled: number;
  created_ms: number;
  updated_ms: number;
  generation: number;
}

function account(r: Row): Account {
  return { name: r.name, role: isRole(r.role) ? r.role : 'viewer', disabled: r.disabled !== 0, createdMs: r.created_ms, updatedMs: r.updated_ms, generation: r.generation };
}

export function openUserStore(dataDir: string, name = 'users.sqlite'): Result<UserStore> {
  const opened = openSqlite(dataDir, name, { schema: SCHEMA, busyTimeoutMs: 5000, private: true });
  if (!opened.ok) return opened;
  const { db } = opened.value;
  const one = db.prepare<[string], Row>('SELECT * FROM users WHERE name = ?');
  const all = db.prepare<[], Row>('SELECT * FROM users ORDER BY name');
  const n = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM users');
  const ins = db.prepare('INSERT INTO users (name, role, hash, disabled, created_ms, updated_ms, generation) VALUES (?, ?, ?, 0, ?, ?, 1)');
  const change = (col: 'hash' | 'role' | 'disabled') => db.prepare(`UPDATE users SET ${col} = ?, updated_ms = ?, generation = generation + 1 WHERE name = ?`);
  const upd = { hash: change('hash'), role: change('role'), disabled: change('disabled') };
  const update = (name: string, col: keyof typeof upd, value: string | number, atMs: number): Result<Account> => {
    const r = upd[col].run(value, atMs, name);
    if (r.changes === 0) return err('no-user', `no user "${name}"`);
    return ok(account(one.get(name)!));
  };
  return ok({
    count: () => n.get()!.n,
    list: () => all.all().map(account),
    get: (name) => {
      const r = one.get(name);
      return r ? { ...account(r), hash: r.hash } : undefined;
    },
    add: (name, role, hash, atMs) => {
      const bad = userNameProblem(name);
      if (bad) return err('bad-name', bad);
      if (one.get(name)) return err('exists', `user "${name}" already exists`);
      ins.run(name, role, hash, atMs, atMs);
      return ok(account(one.get(name)!));
    },
    setPassword: (name, hash, atMs) => update(name, 'hash', hash, atMs),
    setRole: (name, role, atMs) => update(name, 'role', role, atMs),
    setDisabled: (name, disabled, atMs) => update(name, 'disabled', disabled ? 1 : 0, atMs),
    close: () => db.close(),
  });
}
