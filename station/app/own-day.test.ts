import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dayPlanOptions, dayShown, localDate, planToday } from './own-day.js';

describe('serve plans today when no plan is given', () => {
  it('takes the date in the station time zone', () => {
    expect(localDate(Date.UTC(2026, 10, 23, 17, 0), 'Asia/Shanghai')).toBe('2026-11-24');
    expect(localDate(Date.UTC(2026, 10, 23, 15, 59), 'Asia/Shanghai')).toBe('2026-11-23');
  });

  it('shows --plan as given, else the patrol runner’s day, else its own day (followed past midnight) unless --no-plan or --connect', () => {
    expect(dayShown({ plan: 'p', patrol: 'r', noPlan: false, connect: false })).toEqual({ kind: 'dir', dir: 'p' });
    expect(dayShown({ patrol: 'r', noPlan: false, connect: true })).toEqual({ kind: 'dir', dir: 'r' });
    expect(dayShown({ patrol: 'r', noPlan: true, connect: false })).toEqual({ kind: 'none' });
    expect(dayShown({ noPlan: false, connect: false })).toEqual({ kind: 'own' });
    expect(dayShown({ noPlan: true, connect: false })).toEqual({ kind: 'none' });
    expect(dayShown({ noPlan: false, connect: true })).toEqual({ kind: 'none' });
  });

  it('plans the sample station into DATA/plans/<date>/ once, then reuses it', async () => {
    const data = mkdtempSync(join(tmpdir(), 'kx-today-'));
    const lines: string[] = [];
    const log = (l: string) => lines.push(l);
    const now = Date.UTC(2026, 10, 23, 17, 0);
    const dir = await planToday({ dataDir: data, log, nowMs: now });
    expect(dir).toBe(join(data, 'plans', '2026-11-24'));
    const schedule = JSON.parse(readFileSync(join(dir!, 'schedule.json'), 'utf8'));
    expect(schedule).toMatchObject({ station: 'jinhai', date: '2026-11-24', timezone: 'Asia/Shanghai' });
    expect(schedule.sorties.filter((s: { kind: string }) => s.kind === 'patrol')).toHaveLength(72);
    const written = statSync(join(dir!, 'schedule.json')).mtimeMs;
    expect(await planToday({ dataDir: data, log, nowMs: now })).toBe(dir);
    expect(statSync(join(dir!, 'schedule.json')).mtimeMs).toBe(written);
    expect(lines.filter((l) => l.startsWith('kongxun: planned'))).toHaveLength(1);
  });
});

describe('the day shown, as serve and the desktop app choose it', () => {
  it('plans the station’s own day now and follows it; a folder given is shown as given; none is none', async () => {
    const data = mkdtempSync(join(tmpdir(), 'kx-own-day-'));
    const lines: string[] = [];
    const o = { dataDir: data, log: (l: string) => lines.push(l), nowMs: Date.UTC(2026, 10, 23, 17, 0) };
    const own = await dayPlanOptions({ kind: 'own' }, o);
    expect(own.planDir).toBe(join(data, 'plans', '2026-11-24'));
    expect(await own.followDay!(Date.UTC(2026, 10, 24, 16, 30))).toBe(join(data, 'plans', '2026-11-25'));
    expect(JSON.parse(readFileSync(join(data, 'plans', '2026-11-25', 'schedule.json'), 'utf8')).date).toBe('2026-11-25');
    expect(await dayPlanOptions({ kind: 'dir', dir: '/x' }, o)).toEqual({ planDir: '/x' });
    expect(await dayPlanOptions({ kind: 'none' }, o)).toEqual({});
  });

  it('says why when the day cannot be written, and shows no plan', async () => {
    const lines: string[] = [];
    const own = await dayPlanOptions({ kind: 'own' }, { dataDir: '/proc/kx-nowhere', log: (l) => lines.push(l), nowMs: Date.UTC(2026, 10, 23, 17, 0) });
    expect(own.planDir).toBeUndefined();
    expect(own.followDay).toBeDefined();
    expect(lines.join('\n')).toMatch(/could not plan 2026-11-24: .*cannot write/);
  });
});
