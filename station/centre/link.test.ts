/**
 * The station's link and the centre through a real Mosquitto (TLS, password file, the README's ACL) on a free
 * loopback port: status and last will, fleet, events in order, requests and their answers, duplicates carried
 * out once (also after a restart), hostile payloads refused, the ACL keeping a station in its own tree, and
 * store and forward across the broker killed and back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../common/clock.js';
import { Centre } from './centre.js';
import { CentreLink, type CentreLinkOptions } from './link.js';
import { FakeHost } from './testkit/fake-host.js';
import { startMosquitto, type Broker } from './testkit/mosquitto.js';
import { answerTopic, inTopic, outTopic } from './topics.js';

const clock = new SystemClock();
let broker: Broker;
let centre: Centre;
const cleanup: (() => Promise<void> | void)[] = [];

async function until(what: string, cond: () => boolean, maxMs = 20_000): Promise<void> {
  for (const t0 = performance.now(); !cond(); ) {
    if (performance.now() - t0 > maxMs) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function link(station: string, host: FakeHost, dir: string, o: Partial<CentreLinkOptions> = {}): CentreLink {
  const l = CentreLink.start({ clock, url: broker.url, station, username: station, password: broker.password(station), ca: broker.ca!, dir, host, fleetHz: 5, keepaliveS: 5, reconnectMs: 200, ...o });
  if (!l.ok) throw new Error(l.reason);
  return l.value;
}
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'kongxun-centre-link-'));
  cleanup.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
};

beforeAll(async () => {
  broker = await startMosquitto({ users: ['centre', 'st1', 'st2', 'st3'], tls: true });
  const c = Centre.start({ clock, url: broker.url, id: 'centre', username: 'centre', password: broker.password('centre'), ca: broker.ca!, reconnectMs: 200 });
  if (!c.ok) throw new Error(c.reason);
  centre = c.value;
  await until('centre connected', () => centre.connected);
});
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});
afterAll(async () => {
  await centre.close();
  await broker.close();
});

describe('station link ↔ centre over mosquitto (TLS + ACL)', () => {
  it('status is retained with a last will, fleet and events arrive in order; a killed station goes offline', async () => {
    const host = new FakeHost();
    host.fleetRows = [['JH-01', 24.6, 118.1, 60, 90, 'AUTO', 80, 'P001', 'up'], ['JH-02', null, null, null, null, 'STABILIZE', null, null, 'lost']];
    const l = link('st1', host, tmp());
    await until('st1 online with its fleet', () => centre.station('st1')?.online === true && centre.station('st1')!.fleet.length === 2);
    expect(centre.station('st1')!.fleet[0]).toEqual(['JH-01', 24.6, 118.1, 60, 90, 'AUTO', 80, 'P001', 'up']);
    expect(centre.station('st1')).toMatchObject({ name: 'test station', drones: 2, dronesUp: 1, sortiesToday: 72, sortiesFlown: 3, coveragePct: 97.5 });
    for (let i = 1; i <= 30; i++) host.events.push({ atMs: clock.now(), kind: 'state', text: `e${i}`, sortie: 'P001', drone: 'JH-01' });
    host.alerts.push({ atMs: clock.now(), level: 'critical', text: 'battery sag', sortie: 'P001', drone: 'JH-01', latDeg: 24.6, lonDeg: 118.1 });
    await until('30 events', () => centre.station('st1')!.events.length === 30 && centre.view().alerts.some((a) => a.station === 'st1'));
    expect(centre.station('st1')!.events.map((e) => e.text)).toEqual(Array.from({ length: 30 }, (_, i) => `e${i + 1}`));
    const alert = centre.view().alerts.find((a) => a.station === 'st1')!;
    expect(centre.ack(alert.key, 'duty officer').ok).toBe(true);
    expect(centre.view().alerts.find((a) => a.key === alert.key)!.ack?.by).toBe('duty officer');
    // A crash: the socket goes without DISCONNECT, the broker publishes the will (retained: online false).
    await l.kill();
    await until('st1 offline', () => centre.station('st1')?.online === false);
    // A centre that subscribes later sees the retained status.
    const later = new Promise<string>((res) => {
      const c = mqtt.connect(broker.url, { protocolVersion: 5, username: 'centre', password: broker.password('centre'), ca: broker.ca!, clientId: 'late-centre' });
      c.on('connect', () => void c.subscribe(outTopic('st1', 'status')));
      c.on('message', (_t, p) => (res(p.toString()), void c.end(true)));
    });
    expect(JSON.parse(await later)).toMatchObject({ station: 'st1', online: false });
  });

  it('a dispatch is carried out once (redelivered, and after a restart) with each answer in order', async () => {
    const host = new FakeHost();
    const dir = tmp();
    let l = link('st2', host, dir);
    await until('st2 online', () => centre.station('st2')?.online === true);
    const id = centre.dispatch('st2', { latDeg: 24.58, lonDeg: 118.27, radiusM: 40, priority: 5, holdS: 120, text: '可疑人员' }, 'duty officer');
    expect(id.ok).toBe(true);
    const rid = id.ok ? id.value : '';
    await until('request reached the host', () => host.requests.length === 1);
    expect(host.requests[0]!.who).toEqual({ kind: 'centre', centre: 'centre', from: new URL(broker.url).host });
    expect(host.requests[0]!.req).toMatchObject({ id: rid, latDeg: 24.58, lonDeg: 118.27, radiusM: 40, priority: 5, holdS: 120, text: '可疑人员' });
    host.progressOf.set(rid, { state: 'accepted', drone: 'JH-03', etaS: 95, reason: null });
    await until('accepted', () => centre.request(rid)!.answers.some((a) => a.state === 'accepted'));
    // The drone is there, has looked and is back before the next poll: no step is skipped.
    host.progressOf.set(rid, { state: 'returned', drone: 'JH-03', etaS: null, reason: null });
    await until('returned', () => centre.request(rid)!.answers.some((a) => a.state === 'returned'));
    expect(centre.request(rid)!.answers.map((a) => a.state)).toEqual(['queued', 'accepted', 'arrived', 'looked', 'returned']);
    expect(centre.request(rid)!.answers.find((a) => a.state === 'accepted')).toMatchObject({ drone: 'JH-03', etaS: 95 });
    // Delivered twice (as QoS 1 may): answered again, not carried out again.
    expect(centre.resend(rid).ok).toBe(true);
    await until('repeat answered', () => centre.request(rid)!.answers.length === 6);
    expect(centre.request(rid)!.answers[5]).toMatchObject({ state: 'returned', reason: 'repeated request: already received' });
    // The station restarted: the id is still remembered.
    await l.close();
    await until('st2 offline', () => centre.station('st2')?.online === false);
    l = link('st2', host, dir);
    cleanup.push(() => l.close());
    await until('st2 back', () => centre.station('st2')?.online === true);
    expect(centre.resend(rid).ok).toBe(true);
    await until('repeat answered after restart', () => centre.request(rid)!.answers.length === 7);
    expect(host.requests).toHaveLength(1);
    // A refusal carries its reason.
    host.refuse = 'no patrol runs on this station';
    const r2 = centre.dispatch('st2', { latDeg: 24.58, lonDeg: 118.27, radiusM: 0, priority: 1, holdS: 60 }, 'duty officer');
    await until('refused', () => r2.ok && centre.request(r2.value)!.answers.length === 1);
    expect(r2.ok && centre.request(r2.value)!.answers[0]).toMatchObject({ state: 'refused', reason: 'no patrol runs on this station' });
    // An instruction waits for the desk's acknowledgement; a report request is answered with the report.
    const i1 = centre.instruct('st2', '注意东门', 'duty officer');
    await until('instruction delivered', () => host.instructions.length === 1);
    host.acks.set(host.instructions[0]!.id, 'desk: 李');
    await until('acknowledged', () => i1.ok && centre.request(i1.value)!.answers.some((a) => a.state === 'acknowledged'));
    expect(i1.ok && centre.request(i1.value)!.answers.map((a) => [a.state, a.by])).toEqual([['delivered', null], ['acknowledged', 'desk: 李']]);
    const rep = centre.requestReport('st2', '2026-11-24', 'duty officer');
    await until('report', () => centre.station('st2')!.reports.length === 1 && rep.ok && centre.request(rep.value)!.answers.length === 1);
    expect(centre.station('st2')!.reports[0]).toMatchObject({ date: '2026-11-24', request: rep.ok ? rep.value : '', report: { sorties_flown: 70 } });
  });

  it('refuses hostile payloads before use, and answers those whose id it can read', async () => {
    const host = new FakeHost();
    const l = link('st3', host, tmp());
    cleanup.push(() => l.close());
    await until('st3 online', () => centre.station('st3')?.online === true);
    const raw = await mqtt.connectAsync(broker.url, { protocolVersion: 5, username: 'centre', password: broker.password('centre'), ca: broker.ca!, clientId: 'raw-centre' });
    cleanup.push(() => raw.endAsync(true));
    const answers: Record<string, unknown>[] = [];
    await raw.subscribeAsync(answerTopic('st3', 'raw'), { qos: 1 });
    raw.on('message', (_t, p) => answers.push(JSON.parse(p.toString()) as Record<string, unknown>));
    const rt = { qos: 1 as const, properties: { responseTopic: answerTopic('st3', 'raw') } };
    const good = { v: 1, atMs: 1, id: 'x1', from: 'c', latDeg: 24.5, lonDeg: 118.1, radiusM: 10, priority: 1, holdS: 30 };
    const before = l.stats().rejected;
    await raw.publishAsync(inTopic('st3', 'dispatch'), 'not json', rt);
    await raw.publishAsync(inTopic('st3', 'dispatch'), JSON.stringify({ ...good, id: 'bad-lat', latDeg: 91 }), rt);
    await raw.publishAsync(inTopic('st3', 'dispatch'), JSON.stringify({ ...good, id: 'bad-extra', shell: 'rm -rf /' }), rt);
    await raw.publishAsync(inTopic('st3', 'dispatch'), JSON.stringify({ ...good, id: 'huge', text: 'x'.repeat(200_000) }), rt);
    await raw.publishAsync(inTopic('st3', 'dispatch'), JSON.stringify({ ...good, id: 'no-response-topic' }), { qos: 1 });
    await raw.publishAsync(inTopic('st3', 'dispatch'), JSON.stringify({ ...good, id: 'foreign-rt' }), { qos: 1, properties: { responseTopic: answerTopic('st1', 'raw') } });
    await raw.publishAsync(inTopic('st3', 'dispatch'), JSON.stringify(good), rt);
    await until('the good one', () => host.requests.length === 1 && answers.some((a) => a.request === 'x1'));
    await until('all rejected', () => l.stats().rejected - before === 6);
    expect(host.requests.map((r) => r.req.id)).toEqual(['x1']);
    await until('refusals', () => answers.filter((a) => a.state === 'refused').length === 3);
    expect(answers.filter((a) => a.state === 'refused').map((a) => a.request).sort()).toEqual(['bad-extra', 'bad-lat', 'huge']);
  });

  it('the ACL: a station may not publish under another station\'s tree, nor read its requests', async () => {
    const st1 = await mqtt.connectAsync(broker.url, { protocolVersion: 5, username: 'st1', password: broker.password('st1'), ca: broker.ca!, clientId: 'rogue-st1' });
    cleanup.push(() => st1.endAsync(true));
    const seen: string[] = [];
    centre.onChange(() => undefined);
    await expect(st1.publishAsync(outTopic('st2', 'alert'), JSON.stringify({ v: 1, atMs: 1, seq: 999999, level: 'critical', text: 'forged' }), { qos: 1 })).rejects.toThrow(/not authorized/i);
    await expect(st1.publishAsync(inTopic('st2', 'dispatch'), '{}', { qos: 1 })).rejects.toThrow(/not authorized/i);
    await st1.subscribeAsync(`kongxun/v1/s/st2/in/#`, { qos: 1 });
    st1.on('message', (t) => seen.push(t));
    // Own tree: allowed.
    await st1.publishAsync(outTopic('st1', 'event'), 'x', { qos: 1 });
    const r = centre.instruct('st2', 'for st2 only', 'duty officer');
    expect(r.ok).toBe(true);
    // A message to a topic st1 may read proves its subscription is live before looking at what it got.
    const mine = await mqtt.connectAsync(broker.url, { protocolVersion: 5, username: 'centre', password: broker.password('centre'), ca: broker.ca!, clientId: 'centre-probe' });
    cleanup.push(() => mine.endAsync(true));
    await st1.subscribeAsync(`kongxun/v1/s/st1/in/#`, { qos: 1 });
    await mine.publishAsync(inTopic('st1', 'instruct'), 'probe', { qos: 1 });
    await until('own request seen', () => seen.includes(inTopic('st1', 'instruct')));
    expect(seen.filter((t) => t.includes('/st2/'))).toEqual([]);
    expect(centre.view().alerts.some((a) => a.text === 'forged')).toBe(false);
  });
});

describe('store and forward', () => {
  it('the broker killed during a patrol: every event and alert arrives afterwards, in order, none twice; old telemetry dropped first', async () => {
    const host = new FakeHost();
    host.fleetRows = [['JH-05', 24.6, 118.1, 60, 90, 'AUTO', 80, 'P010', 'up']];
    const dir = tmp();
    const limits = { maxTelemetryRows: 5 };
    let l = link('st1', host, dir, { offlineFleetEveryMs: 0, limits });
    await until('st1 online', () => centre.station('st1')?.online === true && l.connected);
    const st = () => centre.station('st1')!;
    const before = st().events.length;
    let n = 0;
    const emit = (k: number) => {
      for (let i = 0; i < k; i++) {
        n++;
        host.events.push({ atMs: clock.now(), kind: 'state', text: `sf${n}`, sortie: 'P010', drone: 'JH-05' });
        if (n % 10 === 0) host.alerts.push({ atMs: clock.now(), level: 'warning', text: `sf-alert${n}`, sortie: 'P010', drone: 'JH-05', latDeg: null, lonDeg: null });
      }
    };
    emit(20);
    expect(await broker.persisted()).toBe(true);
    await broker.stop('SIGKILL');
    await until('link sees the broker gone', () => !l.connected);
    // During the outage: events keep coming, the station itself restarts once, fleet snapshots pile up.
    for (let k = 0; k < 10; k++) {
      emit(15);
      await new Promise((r) => setTimeout(r, 150));
    }
    await l.close();
    l = link('st1', host, dir, { offlineFleetEveryMs: 0, limits });
    cleanup.push(() => l.close());
    for (let k = 0; k < 5; k++) {
      emit(10);
      await new Promise((r) => setTimeout(r, 150));
    }
    const held = l.stats().outbox;
    expect(held.telemetry).toBeLessThanOrEqual(5);
    expect(held.dropped).toBeGreaterThan(0);
    await broker.start();
    await until('all events at the centre', () => st().events.length - before === n, 30_000).catch((e: unknown) => { console.log(JSON.stringify({ got: st().events.length - before, n, c: centre.connected, l: l.stats(), dup: st().duplicates, gaps: st().gaps, last: st().events.at(-1)?.text, lastSeq: st().lastSeq })); throw e; });
    const texts = st().events.slice(before).map((e) => e.text);
    expect(texts).toEqual(Array.from({ length: n }, (_, i) => `sf${i + 1}`));
    const alerts = centre.view().alerts.filter((a) => a.text.startsWith('sf-alert')).reverse().map((a) => a.text);
    expect(alerts).toEqual(Array.from({ length: n / 10 }, (_, i) => `sf-alert${(i + 1) * 10}`));
    expect(st().gaps).toBe(0);
    await until('outbox empty', () => l.stats().outbox.must === 0);
  });
});

describe('keep-alive', () => {
  it('a station that hangs (process frozen, socket open) goes offline at the centre once its keep-alive runs out', async () => {
    const { spawn } = await import('node:child_process');
    const { writeFileSync } = await import('node:fs');
    const dir = tmp();
    writeFileSync(join(dir, 'ca.pem'), broker.ca!);
    const child = spawn(process.execPath, ['--import', 'tsx', 'station/centre/testkit/station-child.ts', broker.url, 'st3', broker.password('st3'), join(dir, 'ca.pem'), join(dir, 'box'), '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
    cleanup.push(() => void child.kill('SIGKILL'));
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await until('child station up', () => out.includes('up') && centre.station('st3')?.online === true, 60_000);
    child.kill('SIGSTOP');
    const t0 = performance.now();
    await until('st3 offline', () => centre.station('st3')?.online === false, 30_000);
    const tookS = (performance.now() - t0) / 1000;
    // Still frozen, not gone: the broker noticed the silence (1.5 × keep-alive), not a closed socket.
    expect(child.exitCode).toBeNull();
    expect(child.signalCode).toBeNull();
    console.log(`keep-alive 1 s: offline at the centre ${tookS.toFixed(1)} s after the station froze`);
    child.kill('SIGKILL');
  }, 90_000);
});
