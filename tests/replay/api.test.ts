/**
 * The replay HTTP API end to end on the station service: the built-in simulator's JH-01 flies (GUIDED, arm,
 * take off to 8 m, land: the simulator disarms on the ground) while the station records its tlog; the flight is
 * listed while in the air (the live tlog, truncated so far) and again once landed (read on, whole), with its
 * drone id; its detail has the climb and the descent and the arm, mode and disarm events; ids that try to leave
 * DATA/tlogs are 404.
 */
import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FlightDetail, FlightSummary } from '../../common/api/contract.js';
import { startStationService, type StationService } from '../../station/service.js';
import { addTestUser, signIn, withSession } from '../sign-in.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(f: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await wait(100)) if (await f()) return true;
  return f();
}

/** GET with the path sent exactly as written (fetch would resolve "..", as browsers do). */
function getRaw(port: number, path: string, cookie: string): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers: { cookie } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }));
    });
    req.on('error', reject);
    req.end();
  });
}

let service: StationService | undefined;
afterAll(async () => {
  await service?.close();
});

describe('replay API on the station service', () => {
  it('lists a simulated flight live and landed, with its detail; ids outside DATA/tlogs are 404', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kx-replay-api-'));
    const s = await startStationService({ dataDir, staticDir: dataDir, port: 0, simWarmupMs: 2000, videoDiscovery: false, log: () => undefined });
    expect(s.ok).toBe(true);
    if (!s.ok) return;
    service = s.value;
    const base = s.value.url;
    await addTestUser(dataDir, 'reviewer');
    const session = withSession(await signIn(base, 'reviewer'));
    const list = async () => (await (await fetch(`${base}api/flights`, session)).json()) as FlightSummary[];
    expect(await list()).toEqual([]);

    const sysid = s.value.files.fleet.drones.find((d) => d.id === 'JH-01')!.sysid;
    const v = () => s.value.station.snapshot().vehicles.find((x) => x.sysid === sysid);
    expect(await until(() => v()?.ekf?.posHorizAbs === true && v()?.home != null, 30_000)).toBe(true);
    const c = s.value.station.vehicle(sysid)!.commands;
    expect(await c.setMode('GUIDED')).toMatchObject({ ok: true });
    expect(await c.arm()).toMatchObject({ ok: true });
    // The flight opens on the first HEARTBEAT that says armed (1 Hz): wait for it on the ground, as the check
    // of the first sample below means — a take-off sent at once could climb a metre before it came (seen at load 9).
    expect(await until(() => v()?.armed === true, 10_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 1200));
    expect(await c.takeoff(8)).toMatchObject({ ok: true });
    expect(await until(() => (v()?.position?.altRelM ?? 0) > 7.5, 30_000)).toBe(true);

    // In the air: the live tlog already has the flight, open.
    let live: FlightSummary | undefined;
    expect(await until(async () => (live = (await list())[0]) !== undefined && (live.maxAltRelM ?? 0) > 7, 10_000)).toBe(true);
    expect(live).toMatchObject({ drone: 'JH-01', sysid, truncated: true, video: [] });

    expect(await c.land()).toMatchObject({ ok: true });
    expect(await until(() => v()?.armed === false, 60_000)).toBe(true);
    // The recorder flushes every second: the disarm reaches the file, and the listing reads on.
    let flights: FlightSummary[] = [];
    expect(await until(async () => (flights = await list()).length === 1 && !flights[0]!.truncated, 10_000)).toBe(true);
    const f = flights[0]!;
    expect(f.id).toBe(live!.id);
    expect(f.id).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ_sys\d+_.+~1$/);
    expect(f).toMatchObject({ drone: 'JH-01', sysid, tlog: `${f.id.replace(/~1$/, '')}.tlog`, startMs: live!.startMs, truncated: false, video: [] });
    expect(f.maxAltRelM!).toBeGreaterThan(7.5);
    expect(f.maxAltRelM!).toBeLessThan(9);
    expect(f.distanceM).toBeLessThan(20);
    expect(f.endMs - f.startMs).toBeGreaterThan(5000);
    console.log(`simulated flight ${f.id}: ${((f.endMs - f.startMs) / 1000).toFixed(1)} s, max ${f.maxAltRelM} m, ${f.distanceM} m, battery ≥ ${f.minBatteryPct} %`);

    const res = await fetch(`${base}api/flights/${encodeURIComponent(f.id)}`, session);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const d = (await res.json()) as FlightDetail;
    expect(d.flight).toEqual(f);
    const alts = d.samples.map((x) => x.altRelM ?? 0);
    const top = alts.indexOf(Math.max(...alts));
    expect(alts[0]!).toBeLessThan(1);
    expect(alts[top]!).toBeGreaterThan(7);
    expect(alts.at(-1)!).toBeLessThan(1);
    expect(top).toBeGreaterThan(0);
    expect(top).toBeLessThan(alts.length - 1);
    expect(d.samples.every((x, k) => k === 0 || x.t - d.samples[k - 1]!.t > 0)).toBe(true);
    expect(d.samples.length).toBeLessThanOrEqual(Math.ceil((f.endMs - f.startMs) / 200) + 1);
    expect(d.samples[0]).toMatchObject({ t: f.startMs, armed: true, mode: 'GUIDED' });
    expect(d.events[0]).toEqual({ t: f.startMs, kind: 'armed', level: 'info', text: 'armed' });
    expect(d.events.at(-1)).toEqual({ t: f.endMs, kind: 'disarmed', level: 'info', text: 'disarmed' });
    expect(d.events.filter((e) => e.kind === 'mode').map((e) => e.text)).toEqual(['mode GUIDED → LAND']);
    expect(d.home).not.toBeNull();

    // Ids are matched against the listing only: nothing outside DATA/tlogs, nothing that is not a flight.
    const name = f.tlog.replace(/\.tlog$/, '');
    for (const path of [
      '/api/flights/..%2F..%2F..%2Fetc%2Fpasswd',
      `/api/flights/..%2Ftlogs%2F${encodeURIComponent(name)}~1`,
      `/api/flights/%2E%2E%2F${encodeURIComponent(name)}~1`,
      `/api/flights/${encodeURIComponent(name)}~2`,
      `/api/flights/${encodeURIComponent(name)}`,
      '/api/flights/',
    ]) {
      const r = await getRaw(s.value.port, path, session.headers.cookie!);
      expect(r.status, path).toBe(404);
      expect(r.type, path).toContain('application/json');
      expect((JSON.parse(r.body) as { error: string }).error, path).toMatch(/^unknown flight "/);
    }
    // Dot segments are resolved as a browser does (/etc/passwd, outside the API): not found.
    expect((await getRaw(s.value.port, '/api/flights/../../../etc/passwd', session.headers.cookie!)).status).toBe(404);
    // A URL that does not decode is a bad request (the HTTP guard), before any flight is looked up.
    expect((await getRaw(s.value.port, '/api/flights/%E0%A4%A', session.headers.cookie!)).status).toBe(400);
    expect(JSON.parse((await getRaw(s.value.port, '/api/flights/nope~1', session.headers.cookie!)).body)).toEqual({ error: 'unknown flight "nope~1"' });
  }, 120_000);
});
