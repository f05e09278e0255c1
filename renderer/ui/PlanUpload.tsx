/**
 * Uploading the planner's mission: to the sortie's own drone by default, after the station's flight check
 * (refused on the spot with the reason, overridable by a pilot for a place or a height), then a confirmation
 * that says when the drone flies a patrol sortie and the upload takes it over (the station's gateway does the
 * takeover and says so in its answer). Progress as the station reports it, the verification result, and the
 * count in the planner's words: N items plus home H.
 */
import { useState } from 'react';
import type { Mission } from '../../missions/formats/items.js';
import { toPlan } from '../../missions/formats/qgc-plan.js';
import { missionIssues, overridable, rulesOf, wordIssue } from '../features/flight-check.js';
import { STRINGS, type StringKey } from '../i18n.js';
import { useConsole, useSel, useT } from './context.js';
import { OverrideDialog } from './Commands.js';

export interface PlanUploadProps {
  mission: Mission;
  file: string;
  dest: number | null;
  setDest(sysid: number | null): void;
  /** The sortie's drone (its fleet id), marked in the choice. */
  sortieDrone: string | null;
  flies: boolean;
}

/** The station's "patrol sortie P012" / "the patrol" (the gateway's takeover note) in the console's words. */
function takenOverWords(t: ReturnType<typeof useT>, from: string): string {
  const m = /^patrol sortie (\S{1,40})$/.exec(from);
  return m ? t('uploadTakenOverSortie', { sortie: m[1]! }) : t('uploadTakenOverPatrol');
}

export function PlanUpload(p: PlanUploadProps) {
  const { store, client } = useConsole();
  const t = useT();
  const vehicles = useSel((s) => s.vehicles);
  const upload = useSel((s) => s.upload);
  const [ask, setAsk] = useState(false);
  const v = vehicles.find((x) => x.sysid === p.dest);
  // Under a patrol runner, any upload to a drone it runs (flying a sortie or not) takes the drone over (the gateway's rule).
  const takes = !!v?.patrol && !v.patrol.takenOver;
  const patrolSortie = takes ? v!.patrol!.sortie : null;
  const text = () => JSON.stringify(toPlan(p.mission));

  /** The station's flight check first, as the gateway will run it: a mission through a no-fly zone is not sent. */
  const start = () => {
    if (p.dest === null) return;
    const issues = missionIssues(rulesOf(store.getState().geography), p.mission);
    if (issues.length === 0) return setAsk(true);
    store.setState({ upload: { requestId: `local-${Date.now()}`, sysid: p.dest, drone: v?.id ?? `sys${p.dest}`, name: p.file, phase: 'upload', done: 0, total: 0, ok: false, reason: issues.map((i) => i.reason).join('; '), issues, text: text() } });
  };
  const go = () => {
    setAsk(false);
    if (p.dest !== null) client.upload(p.dest, p.file, text());
  };
  const pct = upload && upload.total > 0 ? Math.round((100 * upload.done) / upload.total) : 0;
  const how = upload && `verify.${upload.verifiedBy}` in STRINGS.en ? t(`verify.${upload.verifiedBy}` as StringKey) : (upload?.verifiedBy ?? '—');
  return (
    <>
      {p.flies && (
        <div className="row">
          <label>
            {t('uploadTo')}{' '}
            <select data-testid="upload-drone" value={p.dest ?? ''} onChange={(e) => p.setDest(e.target.value === '' ? null : Number(e.target.value))}>
              <option value="">{t('uploadChoose')}</option>
              {vehicles.map((x) => (
                <option key={x.sysid} value={x.sysid}>{x.id}{x.id === p.sortieDrone ? ` · ${t('sortieDrone')}` : ''}{x.patrol?.sortie && !x.patrol.takenOver ? ` · ${x.patrol.sortie}` : ''}</option>
              ))}
            </select>
          </label>
          <button data-testid="upload" className={takes ? 'danger' : ''} disabled={p.dest === null || (upload !== null && upload.ok === undefined)} onClick={start}>
            {t('upload')}
          </button>
        </div>
      )}
      {ask && v && (
        <div className="modal-back" onClick={() => setAsk(false)}>
          <div className="modal" role="dialog" aria-modal="true" data-testid="upload-confirm" onClick={(e) => e.stopPropagation()}>
            <h3>{t('confirmTitle')}</h3>
            <p>{t('confirmUpload', { name: p.file, items: p.mission.items.length, drone: v.id })}</p>
            {takes && <p className="error" data-testid="upload-takeover">{patrolSortie ? t('confirmUploadTakeover', { drone: v.id, sortie: patrolSortie }) : t('confirmUploadTakeoverIdle', { drone: v.id })}</p>}
            <div className="modal-buttons">
              <button data-testid="upload-cancel" onClick={() => setAsk(false)}>{t('cancel')}</button>
              <button data-testid="upload-ok" className="danger" autoFocus onClick={go}>{takes ? t('uploadTakeover') : t('confirm')}</button>
            </div>
          </div>
        </div>
      )}
      {upload && (
        <div className="upload" data-testid="upload-status">
          <div>{upload.drone} · {upload.name} · {t(`phase.${upload.phase}`)} {upload.ok === undefined ? `${pct}%` : ''}</div>
          <div className="bar"><span data-testid="upload-bar" style={{ width: `${upload.ok ? 100 : pct}%` }} /></div>
          {upload.ok === true && (
            <div className="ok" data-testid="upload-result">
              {/* The station counts the wire items, home (seq 0) included: the planner's items are one fewer. */}
              {t('uploadOk', { how, count: Math.max(0, upload.total - 1) })}
              {upload.takenOver ? ` · ${takenOverWords(t, upload.takenOver)}` : ''}
            </div>
          )}
          {upload.ok === false && !upload.issues && <div className="error" data-testid="upload-result">{t('uploadFailed', { reason: upload.reason ?? '' })}</div>}
          {upload.ok === false && upload.issues && (
            <div className="error" data-testid="upload-result">
              {t('uploadRefusedLocal', { reason: upload.issues.map((i) => wordIssue(t, i)).join('; ') })}
              {overridable(upload.issues) && (
                <button className="link" data-testid="override" onClick={() => store.setState({ override: { kind: 'upload', sysid: upload.sysid, name: upload.name, text: upload.text ?? '', issues: upload.issues! } })}>
                  {t('overrideButton')}
                </button>
              )}
            </div>
          )}
        </div>
      )}
      <OverrideDialog />
    </>
  );
}
