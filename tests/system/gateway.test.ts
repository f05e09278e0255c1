/**
 * The command gateway over the console's real WebSocket, on the built-in simulated fleet of the sample station:
 * a viewer's take-off is refused and audited; a pilot's go-to into the 变电站 no-fly zone or outside the boundary
 * is refused with the reason, and sent with an override and a written reason (kept in the audit); a dispatcher
 * may use the camera but not fly; a console upload to a drone the patrol holds takes it over (the desk shows
 * it); the audit's chain verifies and a reviewer reads it at GET /api/audit (a pilot may not).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { AuditResponse, ClientMessage, ServerMessage, VehicleView } from '../../common/api/contract.js';
import { ROLES } from '../../station/gateway/principal.js';
import { startStationService, type StationService } from '../../station/service.js';
import { writeSampleDay } from '../patrol/testkit.js';
import { addTestUser, signIn, withSession } from '../sign-in.js';

const plan = writeSampleDay();
const services: StationService[] = [];
const dirs: string[] = [plan.dir];
afterAll(async () => {
  for (const s of services) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function station(patrol: boolean): Promise<StationService> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kx-gateway-'));
  dirs.push(dataDir);
  const s = await startStationService({ dataDir, staticDir: dataDir, port: 0, simWarmupMs: 2000, log: () => undefined, ...(patrol ? { patrolDir: plan.dir } : {}) });
  if (!s.ok) throw new Error(s.reason);
  services.push(s.value);
  // One signed-in account per role, named `<role>-1`.
  for (const r of ROLES) await addTestUser(dataDir, r, `${r}-1`);
  return s.value;
}

async function consoleAs(s: StationService, role: string) {
  const ws = new WebSocket(`${s.url.replace('http', 'ws')}ws`, withSession(await signIn(s.url, `${role}-1`)));
  const msgs: ServerMessage[] = [];
  ws.on('message', (d) => msgs.push(JSON.parse(String(d)) as ServerMessage));
  await new Promise((r) => ws.once('open', r));
  let n = 0;
  const wait = async <M extends ServerMessage>(pred: (m: ServerMessage) => m is M): Promise<M> => {
    for (let k = 0; k < 600; k++) {
      const m = msgs.find(pred);
      if (m) return m;
      await new Promise((x) => setTimeout(x, 50));
    }
    throw new Error('no answer from the station');
  };
  const send = async (m: Record<string, unknown>) => {
    const requestId = `r${++n}`;
    ws.send(JSON.stringify({ ...m, requestId }));
    return wait((x): x is Extract<ServerMessage, { type: 'result' }> => x.type === 'result' && x.requestId === requestId);
  };
  const upload = async (m: Omit<Extract<ClientMessage, { type: 'upload' }>, 'type' | 'requestId'>) => {
    const requestId = `u${++n}`;
    ws.send(JSON.stringify({ type: 'upload', requestId, ...m }));
    return wait((x): x is Extract<ServerMessage, { type: 'upload-result' }> => x.type === 'upload-result' && x.requestId === requestId);
  };
  const view = async (sysid: number): Promise<VehicleView> => {
    const since = msgs.length;
    for (let k = 0; k < 100; k++) {
      const v = msgs.slice(since).filter((m): m is Extract<ServerMessage, { type: 'snapshot' }> => m.type === 'snapshot').at(-1)?.vehicles.find((x) => x.sysid === sysid);
      if (v) return v;
      await new Promise((x) => setTimeout(x, 50));
    }
    throw new Error('no snapshot');
  };
  return { ws, send, upload, view };
}

const SUBSTATION = { latDeg: 24.59, lonDeg: 118.274 };

function missionPlan(points: { latDeg: number; lonDeg: number }[]): string {
  const items = points.map((p) => ({ type: 'SimpleItem', command: 16, frame: 3, params: [0, 0, 0, null, p.latDeg, p.lonDeg, 40], autoContinue: true, doJumpId: 0, Altitude: 40, AltitudeMode: 1, AMSLAltAboveTerrain: null }));
  return JSON.stringify({ fileType: 'Plan', version: 1, groundStation: 'test', mission: { version: 2, firmwareType: 3, vehicleType: 2, cruiseSpeed: 10, hoverSpeed: 5, plannedHomePosition: [24.6, 118.26, 10], items }, geoFence: { version: 2, polygons: [], circles: [] }, rallyPoints: { version: 2, points: [] } });
}

describe('the command gateway over the console', () => {
  it('refuses a viewer, checks a pilot against the jurisdiction, takes an override with its reason; all audited', async () => {
    const s = await station(false);
    const sysid = s.files.fleet.drones[0]!.sysid;
    const drone = s.files.fleet.drones[0]!.id;

    const viewer = await consoleAs(s, 'viewer');
    await viewer.view(sysid);
    const refused = await viewer.send({ type: 'command', sysid, command: 'takeoff', altRelM: 30 });
    expect(refused).toMatchObject({ ok: false, result: 'forbidden', reason: 'viewer-1 (viewer) may not send flight commands' });

    const pilot = await consoleAs(s, 'pilot');
    const nofly = await pilot.send({ type: 'command', sysid, command: 'goto', ...SUBSTATION, altRelM: 40 });
    expect(nofly).toMatchObject({ ok: false, result: 'refused', reason: 'go-to point is inside no-fly zone 变电站 substation (critical infrastructure) or within its 30 m margin' });
    const outside = await pilot.send({ type: 'command', sysid, command: 'goto', latDeg: 24.4, lonDeg: 118.0, altRelM: 40 });
    expect(outside.reason).toMatch(/^go-to point is outside the jurisdiction/);
    const notNumber = await pilot.send({ type: 'command', sysid, command: 'goto', latDeg: 'x', lonDeg: 118.26, altRelM: 40, override: { reason: 'testing the override' } });
    expect(notNumber).toMatchObject({ ok: false, result: 'refused', reason: 'go-to point: latitude "x" is not a latitude' });
    const tooHigh = await pilot.send({ type: 'command', sysid, command: 'takeoff', altRelM: 150 });
    expect(tooHigh.reason).toBe("take-off: 150 m is above the station's 120 m ceiling");
    const noReason = await pilot.send({ type: 'command', sysid, command: 'goto', ...SUBSTATION, altRelM: 40, override: { reason: '' } });
    expect(noReason.reason).toMatch(/an override needs a written reason/);
    const over = await pilot.send({ type: 'command', sysid, command: 'goto', ...SUBSTATION, altRelM: 40, override: { reason: 'fire reported at the substation, 110 call 0231' } });
    expect(over.result).not.toBe('refused');
    expect(over.result).not.toBe('forbidden');

    const dispatcher = await consoleAs(s, 'dispatcher');
    expect(await dispatcher.send({ type: 'command', sysid, command: 'goto', latDeg: 24.6, lonDeg: 118.26, altRelM: 40 })).toMatchObject({ result: 'forbidden' });
    const photo = await dispatcher.send({ type: 'command', sysid, command: 'camera', action: 'photo' });
    expect(photo.result).not.toBe('forbidden');

    const rows = s.gateway.audit.rows();
    const requests = rows.filter((r) => r.phase === 'request');
    expect(requests.map((r) => [r.who, r.role, r.action, r.verdict])).toEqual([
      ['viewer-1', 'viewer', 'takeoff', 'refused'],
      ['pilot-1', 'pilot', 'goto', 'refused'],
      ['pilot-1', 'pilot', 'goto', 'refused'],
      ['pilot-1', 'pilot', 'goto', 'refused'],
      ['pilot-1', 'pilot', 'takeoff', 'refused'],
      ['pilot-1', 'pilot', 'goto', 'refused'],
      ['pilot-1', 'pilot', 'goto', 'override'],
      ['dispatcher-1', 'dispatcher', 'goto', 'refused'],
      ['dispatcher-1', 'dispatcher', 'camera', 'allowed'],
    ]);
    expect(requests[0]).toMatchObject({ via: 'console', from: '127.0.0.1', sysid, drone, command: JSON.stringify({ kind: 'command', cmd: { command: 'takeoff', altRelM: 30 } }) });
    const o = requests[6]!;
    expect(o.reason).toMatch(/^override: fire reported at the substation, 110 call 0231 — over: go-to point is inside no-fly zone 变电站/);
    expect(JSON.parse(o.command)).toMatchObject({ override: { reason: 'fire reported at the substation, 110 call 0231' } });
    // Every allowed request has its result row, the drone's answer; refused ones have none.
    const results = rows.filter((r) => r.phase === 'result');
    expect(results.map((r) => r.ref)).toEqual([o.id, requests[8]!.id]);
    expect(results[0]!.answer.length).toBeGreaterThan(0);
    expect(s.gateway.audit.verify()).toMatchObject({ ok: true, rows: rows.length, problems: [] });

    // A reviewer reads the audit in the console; a pilot may not.
    const get = async (role: string, q = '') => fetch(`${s.url}api/audit${q}`, withSession(await signIn(s.url, `${role}-1`)));
    const denied = await get('pilot');
    expect(denied.status).toBe(403);
    const seen = await get('reviewer', `?drone=${drone}&verify=1&limit=3`);
    expect(seen.status).toBe(200);
    const body = (await seen.json()) as AuditResponse;
    expect(body.rows.map((r) => r.id)).toEqual(rows.slice(-3).map((r) => r.id));
    expect(body.verify).toMatchObject({ ok: true, rows: rows.length });
    expect((await get('admin', '?user=viewer-1')).status).toBe(200);
    expect((await get('reviewer', '?since=yesterday-ish')).status).toBe(400);
    for (const c of [viewer, pilot, dispatcher]) c.ws.close();
  }, 120_000);

  it('a console upload to a drone the patrol holds takes it over, and a mission through the substation is refused', async () => {
    const s = await station(true);
    const sysid = s.files.fleet.drones.find((d) => d.id === 'JH-06')!.sysid;
    const pilot = await consoleAs(s, 'pilot');
    expect((await pilot.view(sysid)).patrol?.takenOver).toBe(false);
    const through = await pilot.upload({ sysid, name: 'through.plan', text: missionPlan([{ latDeg: 24.59, lonDeg: 118.27 }, { latDeg: 24.59, lonDeg: 118.278 }]) });
    expect(through).toMatchObject({ ok: false, refused: 'outside-rules' });
    expect(through.reason).toBe('mission leg mission item 1 → mission item 2 crosses no-fly zone 变电站 substation (critical infrastructure) or within its 30 m margin');
    expect(s.patrol!.isTakenOver(sysid)).toBe(false);
    const good = await pilot.upload({ sysid, name: 'look.plan', text: missionPlan([{ latDeg: 24.6, lonDeg: 118.262 }, { latDeg: 24.602, lonDeg: 118.265 }]) });
    expect(good).toMatchObject({ ok: true, takenOver: 'the patrol' });
    expect(s.patrol!.isTakenOver(sysid)).toBe(true);
    expect((await pilot.view(sysid)).patrol?.takenOver).toBe(true);
    const req = s.gateway.audit.rows().filter((r) => r.phase === 'request');
    expect(req.map((r) => [r.action, r.verdict])).toEqual([
      ['upload mission', 'refused'],
      ['upload mission', 'allowed'],
    ]);
    expect(req[1]!.reason).toBe('takes the drone over from the patrol');
    pilot.ws.close();
  }, 120_000);
});
