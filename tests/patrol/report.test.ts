/** Interval arithmetic of the report, and the store round trip (SQLite). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { subtract, union } from '../../station/patrol/report.js';
import { newSortie } from '../../station/patrol/sortie.js';
import { openPatrolStore } from '../../station/patrol/store.js';

describe('report intervals', () => {
  it('merges and subtracts', () => {
    expect(union([[5, 8], [0, 3], [2, 4], [8, 9]])).toEqual([[0, 4], [5, 9]]);
    expect(subtract([[0, 10]], [[2, 3], [5, 12]])).toEqual([[0, 2], [3, 5]]);
    expect(subtract([[0, 10]], [])).toEqual([[0, 10]]);
  });
});

describe('patrol store', () => {
  it('keeps sorties, events, alerts and the audit across reopening', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kongxun-store-'));
    try {
      const a = openPatrolStore(dir);
      if (!a.ok) throw new Error(a.reason);
      const s = newSortie({ id: 'P001', kind: 'patrol', post: 'patrol', droneId: 'JH-01', sysid: 11, plan: 'p', launchMs: 1, onMs: 2, offMs: 3, landMs: 4, needPct: 40 });
      a.value.saveSortie('d', s);
      a.value.saveSortie('d', { ...s, state: 'on_patrol' });
      a.value.audit({ atMs: 5, actor: 'patrol-runner', sysid: 11, sortie: 'P001', command: 'arm', ok: true, result: 'Arm accepted' });
      a.value.alert({ atMs: 6, sortie: 'P001', sysid: 11, level: 'warning', text: 'x', state: '{}' });
      a.value.event({ atMs: 7, sortie: null, sysid: null, kind: 'start', text: 'y' });
      a.value.close();
      const b = openPatrolStore(dir);
      if (!b.ok) throw new Error(b.reason);
      expect(b.value.sorties('d').map((x) => [x.id, x.state])).toEqual([['P001', 'on_patrol']]);
      expect(b.value.auditRows()).toEqual([{ atMs: 5, actor: 'patrol-runner', sysid: 11, sortie: 'P001', command: 'arm', ok: true, result: 'Arm accepted' }]);
      expect(b.value.alerts()).toHaveLength(1);
      expect(b.value.events()).toHaveLength(1);
      b.value.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
