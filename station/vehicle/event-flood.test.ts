import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock.js';
import type { StationEvent } from '../../common/api/contract.js';
import { EventFlood, RecentEvents } from './event-flood.js';

const text = (sysid: number, t: string, severity: StationEvent['severity'] = 'info', atMs = 0): StationEvent => ({ atMs, sysid, kind: 'statustext', severity, text: `sys${sysid}: ${t}`, args: { drone: `sys${sysid}`, text: t } });

describe('EventFlood', () => {
  it('merges repeats of a text into one ×N event at the window end; other events pass at once', () => {
    const clock = new FakeClock();
    const out: StationEvent[] = [];
    const f = new EventFlood(clock, (e) => out.push(e), { windowMs: 5000, perVehicle: 10 });
    for (let i = 0; i < 500; i++) f.push(text(1, 'Bad compass'));
    f.push({ atMs: 0, sysid: 1, kind: 'vehicle-lost', severity: 'alert', text: 'sys1: link lost' });
    expect(out.map((e) => e.text)).toEqual(['sys1: Bad compass', 'sys1: link lost']);
    clock.advance(5000);
    expect(out[2]).toMatchObject({ text: 'sys1: Bad compass ×500', args: { text: 'Bad compass ×500', repeats: '500' } });
    // A new window: the text passes again.
    f.push(text(1, 'Bad compass'));
    expect(out).toHaveLength(4);
    f.close();
  });

  it('holds back a vehicle past perVehicle distinct texts per window and says how many, per vehicle', () => {
    const clock = new FakeClock();
    const out: StationEvent[] = [];
    const f = new EventFlood(clock, (e) => out.push(e), { windowMs: 5000, perVehicle: 3 });
    for (let i = 0; i < 100; i++) f.push(text(1, `t${i}`));
    for (let i = 0; i < 2; i++) f.push(text(2, `u${i}`));
    expect(out.map((e) => e.args?.text)).toEqual(['t0', 't1', 't2', 'u0', 'u1']);
    clock.advance(5000);
    const notice = out.filter((e) => e.kind === 'statustext-flood');
    expect(notice).toHaveLength(1);
    expect(notice[0]).toMatchObject({ sysid: 1, severity: 'warning', args: { drone: 'sys1', count: '97' } });
    expect(f.totals).toEqual({ in: 102, out: 6, merged: 0, held: 97 });
    f.close();
  });
});

describe('RecentEvents', () => {
  it('keeps each severity apart: a flood of info does not push out the last alert; order kept', () => {
    const r = new RecentEvents(5);
    r.add(text(1, 'EKF failsafe', 'alert', 1));
    for (let i = 0; i < 1000; i++) r.add(text(1, `i${i}`, 'info', 2 + i));
    const l = r.list();
    expect(l).toHaveLength(6);
    expect(l[0]!.args?.text).toBe('EKF failsafe');
    expect(l.slice(1).map((e) => e.args?.text)).toEqual(['i995', 'i996', 'i997', 'i998', 'i999']);
  });
});
