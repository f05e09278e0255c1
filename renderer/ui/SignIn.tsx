/**
 * Sign-in (issue 14): the page a console without a session shows, and the first-administrator form the
 * station's one-time setup link (`/setup?token=…`) opens. Both post JSON to the station's own origin; the
 * session comes back as an HttpOnly cookie the page never sees. zh-CN first, English on the button.
 */
import { useState, type FormEvent } from 'react';
import type { ConsoleIdentity } from '../../common/api/contract.js';
import { translate, type Lang, type StringKey } from '../i18n.js';

export type Me = { ok: true; who: ConsoleIdentity } | { ok: false; setup: boolean };

/** Who this page is signed in as (GET /api/me). */
export async function fetchMe(): Promise<Me> {
  try {
    const r = await fetch('/api/me', { credentials: 'same-origin', cache: 'no-store' });
    const body = (await r.json()) as ConsoleIdentity & { setup?: boolean };
    return r.ok ? { ok: true, who: body } : { ok: false, setup: body.setup === true };
  } catch {
    return { ok: false, setup: false };
  }
}

export async function signOut(): Promise<void> {
  await fetch('/api/logout', { method: 'POST', credentials: 'same-origin' }).catch(() => undefined);
  location.replace('/');
}

async function postJson(path: string, body: unknown): Promise<string | undefined> {
  try {
    const r = await fetch(path, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (r.ok) return undefined;
    const b = (await r.json().catch(() => ({}))) as { error?: string };
    return b.error ?? `HTTP ${r.status}`;
  } catch (e) {
    return String(e);
  }
}

/** The sign-in page, or the first-administrator form when opened by the setup link. */
export function SignIn({ initialLang, setupToken }: { initialLang: Lang; setupToken: string | null }) {
  const [lang, setLang] = useState<Lang>(initialLang);
  const t = (k: StringKey) => translate(lang, k);
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [password2, setPassword2] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const setup = setupToken !== null;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (setup && password !== password2) return setError(t('setupMismatch'));
    setBusy(true);
    setError(null);
    const failed = setup ? await postJson('/api/setup', { token: setupToken, user, password }) : await postJson('/api/login', { user, password });
    setBusy(false);
    if (failed) return setError(failed);
    // Signed in: the console proper, without the token in the address. After the setup form the newcomer is
    // their pilot twin (NAME-pilot) and lands on the dispatch desk, where the drones can be flown.
    const u = new URL(location.href);
    u.pathname = '/';
    u.searchParams.delete('token');
    if (setup) u.searchParams.set('view', 'desk');
    location.replace(u.href);
  };
  return (
    <div className="signin-page">
      <form className="signin" data-testid={setup ? 'setup-form' : 'signin-form'} onSubmit={(e) => void submit(e)}>
        <h1>{translate(lang, 'title')}</h1>
        <h2>{t(setup ? 'setupTitle' : 'signInTitle')}</h2>
        {setup && <p className="muted">{t('setupHelp')}</p>}
        <label>
          {t('signInUser')}
          <input data-testid="signin-user" autoComplete="username" autoFocus value={user} onChange={(e) => setUser(e.target.value)} required maxLength={setup ? 26 : 32} />
        </label>
        {setup && (
          <p className="muted" data-testid="setup-accounts">
            {t('setupAccounts')} {user || '…'} · {user || '…'}-pilot
          </p>
        )}
        <label>
          {t('signInPassword')}
          <input data-testid="signin-password" type="password" autoComplete={setup ? 'new-password' : 'current-password'} value={password} onChange={(e) => setPassword(e.target.value)} required maxLength={256} />
        </label>
        {setup && (
          <label>
            {t('setupPassword2')}
            <input data-testid="signin-password2" type="password" autoComplete="new-password" value={password2} onChange={(e) => setPassword2(e.target.value)} required maxLength={256} />
          </label>
        )}
        {error && (
          <p className="error" data-testid="signin-error">
            {error}
          </p>
        )}
        <button type="submit" data-testid="signin-submit" disabled={busy}>
          {busy ? t('signingIn') : t(setup ? 'setupCreate' : 'signIn')}
        </button>
        <button type="button" className="lang" onClick={() => setLang(lang === 'zh-CN' ? 'en' : 'zh-CN')}>
          {translate(lang, 'language')}
        </button>
      </form>
    </div>
  );
}
