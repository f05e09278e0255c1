/**
 * The runner's messages by code: the English (log, CLI, centre) is made from the code and its parameters, causes
 * nested; the store keeps the code beside the English and reads back only well-formed codes; a record written
 * before codes opens (the column is added) and its rows read with no code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { english, PATROL_ENGLISH, said, saidText } from './said.js';
import { openPatrolStore, readSaid } from './store.js';
import { evaluateGates } from './gates.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('said', () => {
  it('words the English from the code, parameters and causes', () => {
    const s = said('reassigned', { sortie: 'P007', drone: 'JH-02' }, [said('gates-failed', {}, [said('gate-gps', { fix: 1, satellites: 4 }), said('gate-prearm', { text: 'PreArm: Compass not calibrated' })])]);
    expect(english(s)).toBe('P007 (JH-02): gates failed: GPS: fix 1, 4 satellites; pre-arm: PreArm: Compass not calibrated');
    expect(english(said('missed-summary', { count: 38, until: '09:12', first: 'P001', firstAt: '06:00', last: 'P038', lastAt: '09:05' }))).toBe('38 sorties missed (station not running before 09:12): P001 06:00 … P038 09:05');
    expect(english(saidText('no answer'))).toBe('no answer');
    // A code this station does not know (a row from a newer one): its text, else the code.
    expect(english({ code: 'from-the-future', args: { text: 'x' } })).toBe('x');
    expect(english({ code: 'from-the-future' })).toBe('from-the-future');
  });

  it('leaves no placeholder unfilled in the gates the runner reports', () => {
    const g = evaluateGates({ nowMs: 10_000, snap: undefined, lost: true, needPct: 40, reservePct: 25, maintenance: true, missionVerified: false, busyWith: 'P003', records: 'tlogs cannot be written' });
    expect(g.why!.map((w) => w.code)).toEqual(['gate-never-heard', 'gate-maintenance', 'gate-busy', 'text']);
    expect(g.failing).toEqual(['link: never heard', 'flagged for maintenance', 'busy with P003', 'tlogs cannot be written']);
    for (const code of Object.keys(PATROL_ENGLISH)) expect(code).toMatch(/^[a-z][a-z0-9-]*$/);
  });
});

describe('the store keeps the code', () => {
  it('round-trips said on alerts and events; refuses malformed ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kongxun-said-'));
    dirs.push(dir);
    const st = openPatrolStore(dir);
    expect(st.ok).toBe(true);
    if (!st.ok) return;
    const sd = said('no-drone', { sortie: 'S004' }, [said('battery-low')]);
    st.value.alert({ atMs: 1, sortie: 'S004', sysid: 3, level: 'critical', text: english(sd), state: null, said: sd });
    st.value.event({ atMs: 2, sortie: null, sysid: null, kind: 'start', text: 'day', said: said('start', { day: '2026-12-07', count: 72 }) });
    expect(st.value.alerts()[0]).toMatchObject({ text: 'S004: no ready drone to take the slot yet (battery low)', said: sd });
    expect(st.value.events()[0]!.said).toEqual({ code: 'start', args: { day: '2026-12-07', count: '72' } });
    st.value.close();
    expect(readSaid('{"code":"x y"}')).toBeNull();
    expect(readSaid('{"code":"ok","args":{"a":1,"b":"2"},"why":[{"code":"BAD"},{"code":"fine"}]}')).toEqual({ code: 'ok', args: { b: '2' }, why: [{ code: 'fine' }] });
    expect(readSaid('not json')).toBeNull();
    expect(readSaid('x'.repeat(30_000))).toBeNull();
  });

  it('opens a record written before codes and reads its rows without one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kongxun-said-'));
    dirs.push(dir);
    const old = new Database(join(dir, 'patrol.sqlite'));
    old.exec('CREATE TABLE alerts (id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, sortie TEXT, sysid INTEGER, level TEXT NOT NULL, text TEXT NOT NULL, state TEXT);');
    old.prepare('INSERT INTO alerts (at_ms, sortie, sysid, level, text, state) VALUES (?, ?, ?, ?, ?, ?)').run(5, null, null, 'warning', 'old words', null);
    old.close();
    const st = openPatrolStore(dir);
    expect(st.ok).toBe(true);
    if (!st.ok) return;
    expect(st.value.alerts()).toEqual([{ atMs: 5, sortie: null, sysid: null, level: 'warning', text: 'old words', state: null, said: null }]);
    st.value.close();
  });
});
