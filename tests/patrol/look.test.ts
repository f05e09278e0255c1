/**
 * "Go and look here" from a console over the real WebSocket of `serve --patrol`: the request is checked, the
 * station's dispatcher picks the drone and the console learns which one goes and its ETA (the `actual`
 * message's dispatches); the asker is the actor in the audit; a viewer may not dispatch, nor may anyone on a
 * station without a runner. The runner's alerts reach the console as events.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { ActualMessage, ServerMessage } from '../../common/api/contract.js';
import type { StationService } from '../../station/service.js';
import { checkLook, dispatchView } from '../../station/patrol/look.js';
import type { DispatchRecord } from '../../station/patrol/dispatch.js';
import { serviceConsole, writeSampleDay } from './testkit.js';

const plan = writeSampleDay();
const services: StationService[] = [];
afterAll(async () => {
  for (const s of services) await s.close();
  rmSync(plan.dir, { recursive: true, force: true });
});

async function open(patrol: boolean) {
  // The duty dispatcher's console (值班调度 may send a drone to look).
  const { service, ws, msgs } = await serviceConsole({ name: 'look', planDir: plan.dir, patrol, role: 'dispatcher', user: 'duty' });
  services.push(service);
  const until = async <T>(find: () => T | undefined, what: string, tries = 600): Promise<T> => {
    for (let k = 0; k < tries; k++) {
      const x = find();
      if (x !== undefined) return x;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`never: ${what}`);
  };
  let n = 0;
  const look = async (req: Record<string, unknown>) => {
    const requestId = `l${++n}`;
    ws.send(JSON.stringify({ type: 'look', requestId, ...req }));
    return until(() => msgs.find((m): m is Extract<ServerMessage, { type: 'look-result' }> => m.type === 'look-result' && m.requestId === requestId), `look-result ${requestId}`);
  };
  return { service, msgs, look, until };
}

const POINT = { latDeg: 24.592, lonDeg: 118.266 };

describe('go and look here from a console', () => {
  it('the dispatcher picks the drone; the console sees which one goes and its ETA; the asker is audited', async () => {
    const c = await open(true);
    // The sample day is long past: the runner started "mid-day" missed every sortie — one alert, which the
    // console gets as an event (raised before any console listened), not one per sortie.
    const patrolEvents = c.msgs.filter((m): m is Extract<ServerMessage, { type: 'event' }> => m.type === 'event' && m.event.kind === 'patrol');
    expect(patrolEvents.map((m) => m.event.text)).toEqual([expect.stringMatching(/^87 sorties missed \(station not running before \d\d:\d\d\): P001 /)]);
    expect(patrolEvents[0]!.event.severity).toBe('warning');
    expect(await c.look({ ...POINT, radiusM: 9999, priority: 2, holdS: 60 })).toMatchObject({ ok: false, id: null, reason: 'radiusM must be 0–500 m' });
    expect(await c.look({ latDeg: 'x', lonDeg: 118, radiusM: 50, priority: 2, holdS: 60 })).toMatchObject({ ok: false });
    // Not into a no-fly zone: the gateway's rules for a go-to and an orbit, and nobody is sent.
    expect(await c.look({ latDeg: 24.5896, lonDeg: 118.2736, radiusM: 0, priority: 3, holdS: 60 })).toMatchObject({ ok: false, id: null, reason: expect.stringMatching(/^look-here point is inside no-fly zone 变电站 substation/) });
    expect(await c.look({ latDeg: 24.5896, lonDeg: 118.2766, radiusM: 400, priority: 3, holdS: 60 })).toMatchObject({ ok: false, id: null, reason: expect.stringMatching(/look-here orbit \(radius 400 m\).*no-fly zone 变电站/) });
    expect(c.service.patrol!.dispatches()).toEqual([]);
    expect(await c.look({ ...POINT, radiusM: 50, priority: 2, holdS: 60 })).toEqual({ type: 'look-result', requestId: 'l5', ok: true, id: 'D001', reason: '' });
    // Every drone is docked (the sample day is long past: its sorties are missed), so a ready docked one goes.
    const going = await c.until(() => {
      for (const m of [...c.msgs].reverse()) {
        if (m.type !== 'actual') continue;
        const d = (m as ActualMessage).dispatches?.find((x) => x.id === 'D001');
        if (d?.drone && d.etaS !== null) return d;
      }
      return undefined;
    }, 'D001 assigned with an ETA');
    expect(going).toMatchObject({ state: 'en_route', source: 'dock', from: 'duty', request: { ...POINT, radiusM: 50, priority: 2, holdS: 60 } });
    expect(going.etaS).toBeGreaterThan(0);
    const audit = await c.until(() => c.service.patrol!.dispatches()[0]?.droneId ? c.service.patrol : undefined, 'runner record');
    expect(audit.dispatches()[0]).toMatchObject({ id: 'D001', droneId: going.drone });
  }, 60_000);

  it('is refused on a station without a runner, and to a viewer', async () => {
    const c = await open(false);
    expect(await c.look({ ...POINT, radiusM: 50, priority: 1, holdS: 60 })).toMatchObject({ ok: false, reason: expect.stringContaining('no scheduled patrol runs on this station') });
    const sent: string[] = [];
    let deliver: (t: string) => void = () => undefined;
    const detach = c.service.attachConsole({ who: { kind: 'user', user: 'v', role: 'viewer', from: 'test', via: 'console' }, send: (t) => sent.push(t), onMessage: (cb) => ((deliver = cb), () => undefined) });
    deliver(JSON.stringify({ type: 'look', requestId: 'v1', ...POINT, radiusM: 50, priority: 1, holdS: 60 }));
    const r = await c.until(() => sent.map((t) => JSON.parse(t) as ServerMessage).find((m) => m.type === 'look-result'), 'viewer look-result');
    expect(r).toMatchObject({ ok: false, reason: 'only a dispatcher or a pilot may send a drone to look' });
    detach();
  });

  it('checks every field and words the ETA from where the drone is', () => {
    expect(checkLook({ ...POINT, radiusM: 0, priority: 3, holdS: 10 }).ok).toBe(true);
    for (const bad of [{ radiusM: -1 }, { holdS: 5 }, { priority: 2.5 }, { latDeg: 91 }, { lonDeg: Infinity }, { latDeg: null }]) expect(checkLook({ ...POINT, radiusM: 50, priority: 2, holdS: 60, ...bad }).ok, JSON.stringify(bad)).toBe(false);
    const r: DispatchRecord = { id: 'D001', request: { ...POINT, radiusM: 50, priority: 2, holdS: 60 }, requestedAtMs: 0, state: 'en_route', sysid: 11, droneId: 'JH-01', source: 'dock', sortie: null, arrivedAtMs: null, leftAtMs: null, reason: null };
    // 1000 m north at 10 m/s from the ground: 100 s + a minute to arm and climb.
    const v = dispatchView(r, () => ({ latDeg: POINT.latDeg - 1000 / 111_195, lonDeg: POINT.lonDeg, airborne: false, cruiseMps: 10 }));
    expect(v.etaS).toBe(160);
    expect(dispatchView({ ...r, state: 'on_scene' }, () => undefined).etaS).toBeNull();
  });
});
