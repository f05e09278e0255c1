/**
 * The planner's item list and its tools: each item by its number (the same as on the map) and its name in
 * words, its place, altitude and hold (edited in place: Enter or leaving the field applies), what fails a
 * check written under it; the map-click tool, insert, move, delete, return and landing, undo and redo.
 */
import type { Mission } from '../../missions/formats/items.js';
import { blockAt, editsAltitude, editsHold, type EditOp, type ItemKind, type Row } from '../features/plan-edit.js';
import type { StringKey } from '../i18n.js';
import { useT } from './context.js';
import type { T } from '../features/words.js';

export type Tool = 'waypoint' | 'hover' | 'none';

export function kindWord(t: T, r: Pick<Row, 'kind' | 'command'>): string {
  return t(`itemKind.${r.kind}` as StringKey, { cmd: r.command });
}

/** A number field that applies its value on Enter or blur (one undo step per change, not per keystroke). */
function NumberField(p: { value: number; testid: string; label: string; unit: string; apply(v: number): void }) {
  const commit = (el: HTMLInputElement) => {
    const v = Number(el.value);
    if (el.value.trim() === '' || !Number.isFinite(v)) el.value = String(p.value);
    else if (v !== p.value) p.apply(v);
  };
  return (
    <label className="num" onClick={(e) => e.stopPropagation()}>
      {p.label}
      <input
        key={p.value}
        type="number"
        data-testid={p.testid}
        defaultValue={p.value}
        onBlur={(e) => commit(e.currentTarget)}
        onKeyDown={(e) => e.key === 'Enter' && commit(e.currentTarget)}
      />
      {p.unit}
    </label>
  );
}

export interface PlanItemsProps {
  mission: Mission;
  rows: readonly Row[];
  selected: number | null;
  problems: ReadonlyMap<number, string[]>;
  tool: Tool;
  canUndo: boolean;
  canRedo: boolean;
  setTool(t: Tool): void;
  select(i: number | null): void;
  edit(op: EditOp): void;
  undo(): void;
  redo(): void;
}

const PLACE_KINDS = new Set<ItemKind>(['takeoff', 'waypoint', 'hover', 'loiter', 'land']);

export function PlanItems(p: PlanItemsProps) {
  const t = useT();
  const s = p.selected;
  const sel = s !== null ? p.rows[s] : undefined;
  // The selected item's hover unit (its three items are deleted and moved as one).
  const selUnit = sel?.unit?.core;
  // Moves go by blocks (a hover unit, or one item): the ends are the block's.
  const block = s !== null && s < p.mission.items.length ? blockAt(p.mission.items, s) : null;
  return (
    <>
      <div className="row plan-tools" role="radiogroup" aria-label={t('tool')}>
        <span>{t('tool')}:</span>
        {(['waypoint', 'hover', 'none'] as const).map((k) => (
          <button key={k} role="radio" aria-checked={p.tool === k} className={p.tool === k ? 'active' : ''} data-testid={`tool-${k}`} onClick={() => p.setTool(k)}>
            {t(`tool.${k}`)}
          </button>
        ))}
      </div>
      <div className="row plan-tools">
        <button data-testid="insert-between" disabled={!sel || !sel.at || !PLACE_KINDS.has(sel.kind)} onClick={() => s !== null && p.edit({ op: 'insert-between', index: s })}>{t('insertBetween')}</button>
        <button data-testid="move-up" disabled={!block || block.start === 0} onClick={() => s !== null && p.edit({ op: 'move', index: s, by: -1 })}>↑ {t('moveUp')}</button>
        <button data-testid="move-down" disabled={!block || block.end >= p.rows.length - 1} onClick={() => s !== null && p.edit({ op: 'move', index: s, by: 1 })}>↓ {t('moveDown')}</button>
        <button data-testid="delete-item" className="danger" disabled={s === null} onClick={() => s !== null && p.edit({ op: 'delete', index: s })}>{selUnit !== undefined ? t('deleteUnit', { n: 3 }) : t('deleteItem')}</button>
        <button data-testid="add-rtl" onClick={() => p.edit({ op: 'add-end', kind: 'rtl', ...(s !== null ? { after: s } : {}) })}>{t('addRtl')}</button>
        <button data-testid="add-land" onClick={() => p.edit({ op: 'add-end', kind: 'land', ...(s !== null ? { after: s } : {}) })}>{t('addLand')}</button>
        <button data-testid="undo" disabled={!p.canUndo} onClick={p.undo} title="Ctrl+Z">{t('undo')}</button>
        <button data-testid="redo" disabled={!p.canRedo} onClick={p.redo} title="Ctrl+Y">{t('redo')}</button>
      </div>
      <ol className="wp-list" data-testid="wp-list" start={0}>
        <li data-seq={0} className={p.problems.has(-1) ? 'bad' : ''} onClick={() => p.select(null)}>
          <b className="seq">H</b> {t('planHome')} <span className="pos">{p.mission.home.lat.toFixed(6)}, {p.mission.home.lon.toFixed(6)}</span>
          {p.problems.get(-1)?.map((w, k) => <div key={k} className="error item-issue" data-testid="wp-issue">{w}</div>)}
        </li>
        {p.rows.map((r) => {
          const bad = p.problems.get(r.index);
          const u = r.unit;
          const cls = [s === r.index ? 'selected' : '', u && u.core === selUnit && s !== r.index ? 'in-selected' : '', bad ? 'bad' : '', u ? `unit unit-${u.role}` : ''];
          return (
            <li key={r.index} data-seq={r.seq} data-testid="wp-row" data-unit={u ? u.core + 1 : undefined} className={cls.filter(Boolean).join(' ')} title={u ? t('unitHint', { seq: u.core + 1 }) : undefined} onClick={() => p.select(r.index)}>
              <b className="seq">{r.seq}</b> {u && <span className="unit-mark" aria-hidden="true">{u.role === 'start' ? '┌' : u.role === 'core' ? '│' : '└'}</span>}<span className="kind">{kindWord(t, r)}</span>
              {r.at && <span className="pos"> {r.at.lat.toFixed(6)}, {r.at.lon.toFixed(6)}</span>}
              {r.speedMps !== undefined && <span> {t('speedShort')} {r.speedMps} m/s</span>}
              {editsAltitude(r.kind) && r.altM !== undefined && <NumberField value={r.altM} testid="wp-alt" label={t('altShort')} unit="m" apply={(v) => p.edit({ op: 'set', index: r.index, altM: v })} />}
              {editsHold(r.kind) && r.holdS !== undefined && <NumberField value={r.holdS} testid="wp-hold" label={t('holdShort')} unit="s" apply={(v) => p.edit({ op: 'set', index: r.index, holdS: v })} />}
              {bad?.map((w, k) => <div key={k} className="error item-issue" data-testid="wp-issue">{w}</div>)}
            </li>
          );
        })}
      </ol>
    </>
  );
}
