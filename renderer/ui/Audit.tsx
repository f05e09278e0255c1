/**
 * 审计 Audit (`?view=audit`): the station's audit for reviewers and admins — every command's request (who,
 * role, from where, the station's verdict and reason) and result (the drone's answer), newest last, with the
 * hash chain's check. The station decides who may read it (GET /api/audit answers 403 to other roles).
 */
import { useCallback, useEffect, useState } from 'react';
import type { AuditResponse } from '../../common/api/contract.js';
import { useSel, useT } from './context.js';

type Load = { state: 'loading' } | { state: 'ok'; body: AuditResponse } | { state: 'forbidden' | 'error'; reason: string };

export function Audit() {
  const t = useT();
  const lang = useSel((s) => s.lang);
  const [drone, setDrone] = useState('');
  const [user, setUser] = useState('');
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const reload = useCallback(async () => {
    setLoad({ state: 'loading' });
    const q = new URLSearchParams({ limit: '500', verify: '1' });
    if (drone.trim()) q.set('drone', drone.trim());
    if (user.trim()) q.set('user', user.trim());
    try {
      const res = await fetch(`/api/audit?${q.toString()}`, { headers: { accept: 'application/json' }, cache: 'no-store' });
      const body = (await res.json()) as AuditResponse | { error?: string };
      if (res.status === 403) setLoad({ state: 'forbidden', reason: (body as { error?: string }).error ?? 'HTTP 403' });
      else if (!res.ok || !('rows' in body)) setLoad({ state: 'error', reason: (body as { error?: string }).error ?? `HTTP ${res.status}` });
      else setLoad({ state: 'ok', body });
    } catch (e) {
      setLoad({ state: 'error', reason: e instanceof Error ? e.message : String(e) });
    }
  }, [drone, user]);
  useEffect(() => {
    void reload();
    // Filters apply on Reload / Enter, not on every keystroke.
  }, []);
  const time = (ms: number) => new Date(ms).toLocaleString(lang, { hour12: false });
  return (
    <main className="audit" data-testid="audit">
      <div className="panel-title">{t('auditTitle')}</div>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void reload();
        }}
      >
        <label>{t('auditDrone')} <input data-testid="audit-drone" value={drone} onChange={(e) => setDrone(e.target.value)} size={8} /></label>
        <label>{t('auditUser')} <input data-testid="audit-user" value={user} onChange={(e) => setUser(e.target.value)} size={14} /></label>
        <button type="submit" data-testid="audit-reload">{t('auditReload')}</button>
      </form>
      {load.state === 'forbidden' && <p className="error" data-testid="audit-forbidden">{t('auditForbidden', { reason: load.reason })}</p>}
      {load.state === 'error' && <p className="error" data-testid="audit-error">{t('auditError', { reason: load.reason })}</p>}
      {load.state === 'ok' && (
        <>
          {load.body.verify && (
            <p className={load.body.verify.ok ? 'ok' : 'error'} data-testid="audit-verify">
              {load.body.verify.ok ? t('auditIntact', { rows: load.body.verify.rows }) : t('auditBroken', { count: load.body.verify.problems.length })}
              {!load.body.verify.ok && (
                <ul>
                  {load.body.verify.problems.slice(0, 20).map((p, i) => <li key={i}>{p.problem}</li>)}
                </ul>
              )}
            </p>
          )}
          {load.body.rows.length === 0 ? (
            <p className="muted">{t('auditEmpty')}</p>
          ) : (
            <table className="audit-table" data-testid="audit-table">
              <thead>
                <tr>
                  <th>#</th><th>{t('auditTime')}</th><th>{t('auditWho')}</th><th>{t('auditVia')}</th><th>{t('auditDrone')}</th><th>{t('auditAction')}</th><th>{t('auditVerdict')}</th><th>{t('auditDetail')}</th>
                </tr>
              </thead>
              <tbody>
                {load.body.rows.map((r) => (
                  <tr key={r.id} className={`${r.phase} ${r.verdict}`} data-testid="audit-row" title={r.command}>
                    <td>{r.id}</td>
                    <td>{time(r.atMs)}</td>
                    <td>{r.who} ({r.role})</td>
                    <td>{r.via}{r.from ? ` ${r.from}` : ''}</td>
                    <td>{r.drone ?? (r.sysid !== null ? `sys${r.sysid}` : '—')}</td>
                    <td>{r.phase === 'result' ? `↳ ${r.action}` : r.action}</td>
                    <td>{r.verdict}</td>
                    <td>{r.phase === 'request' ? r.reason : r.answer}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </main>
  );
}
