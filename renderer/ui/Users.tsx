/**
 * User management for an administrator (issue 14): the station's accounts, add one, change a role, disable or
 * enable. The station checks everything again (only an admin may, never the last admin away); this page shows
 * its answers. Passwords are set here only when adding; `kongxun users passwd` changes them.
 */
import { useEffect, useState, type FormEvent } from 'react';
import type { ConsoleRole, UserView } from '../../common/api/contract.js';
import { useT } from './context.js';

const ROLES: ConsoleRole[] = ['pilot', 'dispatcher', 'viewer', 'reviewer', 'admin'];

async function call(path: string, body?: unknown): Promise<{ ok: boolean; data: unknown }> {
  try {
    const r = await fetch(path, body === undefined ? { credentials: 'same-origin' } : { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { ok: r.ok, data: await r.json().catch(() => ({})) };
  } catch (e) {
    return { ok: false, data: { error: String(e) } };
  }
}

export function Users() {
  const t = useT();
  const [users, setUsers] = useState<UserView[]>([]);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [name, setName] = useState('');
  const [role, setRole] = useState<ConsoleRole>('pilot');
  const [password, setPassword] = useState('');
  const reload = async () => {
    const r = await call('/api/users');
    if (r.ok && Array.isArray(r.data)) setUsers(r.data as UserView[]);
    else setMessage({ ok: false, text: String((r.data as { error?: string }).error ?? 'error') });
  };
  useEffect(() => void reload(), []);
  const answer = async (r: { ok: boolean; data: unknown }) => {
    setMessage(r.ok ? { ok: true, text: t('usersSaved') } : { ok: false, text: String((r.data as { error?: string }).error ?? 'error') });
    await reload();
    return r.ok;
  };
  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (await answer(await call('/api/users', { user: name, role, password }))) {
      setName('');
      setPassword('');
    }
  };
  return (
    <main className="users" data-testid="users">
      <h2>{t('usersTitle')}</h2>
      {message && (
        <p className={message.ok ? 'ok' : 'error'} data-testid="users-message">
          {message.text}
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th>{t('signInUser')}</th>
            <th>{t('usersRole')}</th>
            <th>{t('usersState')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.user} data-testid={`user-${u.user}`} className={u.disabled ? 'disabled' : ''}>
              <td>{u.user}</td>
              <td>
                <select data-testid={`user-role-${u.user}`} value={u.role} onChange={(e) => void call(`/api/users/${encodeURIComponent(u.user)}`, { role: e.target.value }).then(answer)}>
                  {ROLES.map((r) => (
                    <option key={r} value={r}>
                      {t(`role.${r}`)}
                    </option>
                  ))}
                </select>
              </td>
              <td>{u.disabled ? t('usersDisabled') : t('usersActive')}</td>
              <td>
                <button data-testid={`user-toggle-${u.user}`} onClick={() => void call(`/api/users/${encodeURIComponent(u.user)}`, { disabled: !u.disabled }).then(answer)}>
                  {u.disabled ? t('usersEnable') : t('usersDisable')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="user-add" onSubmit={(e) => void add(e)}>
        <h3>{t('usersAdd')}</h3>
        <input data-testid="user-add-name" placeholder={t('signInUser')} value={name} onChange={(e) => setName(e.target.value)} required maxLength={32} />
        <select data-testid="user-add-role" value={role} onChange={(e) => setRole(e.target.value as ConsoleRole)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {t(`role.${r}`)}
            </option>
          ))}
        </select>
        <input data-testid="user-add-password" type="password" autoComplete="new-password" placeholder={t('signInPassword')} value={password} onChange={(e) => setPassword(e.target.value)} required maxLength={256} />
        <button type="submit" data-testid="user-add">
          {t('usersAdd')}
        </button>
      </form>
    </main>
  );
}
