/**
 * The embedded trial broker (aedes) with Mosquitto's own files: a password file made by Debian's
 * `mosquitto_passwd` and the README's ACL. A station link and the centre over it (MQTT 3.1.1): status, events
 * in order, a dispatch and an instruction answered; the ACL keeps a station in its own tree; a wrong password
 * is refused.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../common/clock.js';
import { DEFAULT_ACL, allowed, parseAcl, parsePasswordFile, startEmbeddedBroker, topicMatches, verifyMosquittoPassword, type EmbeddedBroker } from './broker.js';
import { Centre } from './centre.js';
import { CentreLink } from './link.js';
import { FakeHost } from './testkit/fake-host.js';
import { ACL } from './testkit/mosquitto.js';
import { inTopic, outTopic } from './topics.js';

const clock = new SystemClock();
let dir: string;
let broker: EmbeddedBroker;
const pw = (u: string) => `secret-${u}`;

async function until(what: string, cond: () => boolean, maxMs = 20_000): Promise<void> {
  for (const t0 = performance.now(); !cond(); ) {
    if (performance.now() - t0 > maxMs) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kongxun-aedes-'));
  const file = join(dir, 'passwd');
  writeFileSync(file, '');
  for (const u of ['centre', 'st1', 'st2']) execFileSync('mosquitto_passwd', ['-b', file, u, pw(u)], { stdio: 'ignore' });
  writeFileSync(join(dir, 'acl'), ACL);
  const b = await startEmbeddedBroker({ passwordFile: file, aclFile: join(dir, 'acl'), port: 0 });
  if (!b.ok) throw new Error(b.reason);
  broker = b.value;
});
afterAll(async () => {
  await broker?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the ACL and password file, as Mosquitto reads them', () => {
  it('matches topics and the README ACL the way Mosquitto does', async () => {
    expect(topicMatches('kongxun/v1/s/+/out/#', 'kongxun/v1/s/st1/out/alert')).toBe(true);
    expect(topicMatches('kongxun/v1/s/+/out/#', 'kongxun/v1/s/st1/out')).toBe(true);
    expect(topicMatches('kongxun/v1/s/+/out/#', 'kongxun/v1/s/st1/in/dispatch')).toBe(false);
    expect(topicMatches('a/+', 'a/b/c')).toBe(false);
    const acl = parseAcl(ACL);
    expect(acl.ok).toBe(true);
    if (!acl.ok) return;
    expect(parseAcl(DEFAULT_ACL)).toEqual(acl);
    expect(allowed(acl.value, 'centre', 'c', 'kongxun/v1/s/st1/out/alert', 'read')).toBe(true);
    expect(allowed(acl.value, 'centre', 'c', 'kongxun/v1/s/st1/in/dispatch', 'write')).toBe(true);
    expect(allowed(acl.value, 'centre', 'c', 'kongxun/v1/s/st1/out/alert', 'write')).toBe(false);
    expect(allowed(acl.value, 'st1', 'c', 'kongxun/v1/s/st1/out/alert', 'write')).toBe(true);
    expect(allowed(acl.value, 'st1', 'c', 'kongxun/v1/s/st2/out/alert', 'write')).toBe(false);
    expect(allowed(acl.value, 'st1', 'c', 'kongxun/v1/s/st1/in/dispatch', 'read')).toBe(true);
    expect(allowed(acl.value, 'st1', 'c', 'kongxun/v1/s/st2/in/dispatch', 'read')).toBe(false);
    // A user name that would reshape the pattern gets nothing from it.
    expect(allowed(acl.value, 'st1/../st2', 'c', 'kongxun/v1/s/st1/../st2/out/x', 'write')).toBe(false);
    expect(allowed(acl.value, '+', 'c', 'kongxun/v1/s/st9/out/x', 'write')).toBe(false);
    expect(parseAcl('topic sideways a/b').ok).toBe(false);
    const users = parsePasswordFile(execFileSync('cat', [join(dir, 'passwd')], { encoding: 'utf8' }));
    expect(users.ok && [...users.value.keys()]).toEqual(['centre', 'st1', 'st2']);
    const h = users.ok ? users.value.get('st1')! : '';
    expect(await verifyMosquittoPassword(h, Buffer.from(pw('st1')))).toBe(true);
    expect(await verifyMosquittoPassword(h, Buffer.from(pw('st2')))).toBe(false);
    expect(parsePasswordFile('st1:plaintext').ok).toBe(false);
  });
});

describe('a station and the centre over the embedded broker (MQTT 3.1.1)', () => {
  it('status, events in order, a dispatch and an instruction answered; the ACL holds; a wrong password is refused', async () => {
    const c = Centre.start({ clock, url: broker.url, id: 'centre', username: 'centre', password: pw('centre'), reconnectMs: 200, mqttVersion: 4 });
    if (!c.ok) throw new Error(c.reason);
    const centre = c.value;
    const host = new FakeHost();
    host.fleetRows = [['JH-01', 24.6, 118.1, 60, 90, 'AUTO', 80, null, 'up']];
    const box = join(dir, 'box');
    const l = CentreLink.start({ clock, url: broker.url, station: 'st1', username: 'st1', password: pw('st1'), dir: box, host, fleetHz: 5, keepaliveS: 5, reconnectMs: 200, mqttVersion: 4 });
    if (!l.ok) throw new Error(l.reason);
    try {
      await until('centre connected, st1 online with its fleet', () => centre.connected && centre.station('st1')?.online === true && centre.station('st1')!.fleet.length === 1);
      for (let i = 1; i <= 10; i++) host.events.push({ atMs: clock.now(), kind: 'state', text: `e${i}`, sortie: null, drone: 'JH-01' });
      await until('10 events', () => centre.station('st1')!.events.length === 10);
      expect(centre.station('st1')!.events.map((e) => e.text)).toEqual(Array.from({ length: 10 }, (_, i) => `e${i + 1}`));
      // A dispatch: no response topic in 3.1.1, the payload names the centre; answered in order.
      const d = centre.dispatch('st1', { latDeg: 24.58, lonDeg: 118.27, radiusM: 40, priority: 5, holdS: 120 }, '值班员张');
      const id = d.ok ? d.value : '';
      await until('request at the station', () => host.requests.length === 1);
      expect(host.requests[0]!.who).toMatchObject({ kind: 'centre', centre: 'centre' });
      host.progressOf.set(id, { state: 'returned', drone: 'JH-01', etaS: null, reason: null });
      await until('returned', () => centre.request(id)!.answers.some((a) => a.state === 'returned'));
      expect(centre.request(id)!.answers.map((a) => a.state)).toEqual(['queued', 'accepted', 'arrived', 'looked', 'returned']);
      const i1 = centre.instruct('st1', '注意东门', '值班员张');
      await until('instruction at the desk', () => host.instructions.length === 1);
      host.acks.set(host.instructions[0]!.id, '调度李');
      await until('acknowledged', () => i1.ok && centre.request(i1.value)!.answers.some((a) => a.state === 'acknowledged'));

      // The ACL: st2 may not write under st1's tree (aedes closes it), nor read st1's requests.
      const st2 = await mqtt.connectAsync(broker.url, { protocolVersion: 4, username: 'st2', password: pw('st2'), clientId: 'rogue-st2', reconnectPeriod: 0 });
      const seen: string[] = [];
      st2.on('message', (t) => seen.push(t));
      await st2.subscribeAsync('kongxun/v1/s/st1/in/#', { qos: 1 });
      await st2.subscribeAsync('kongxun/v1/s/st2/in/#', { qos: 1 });
      centre.instruct('st1', 'for st1 only', '值班员张');
      centre.instruct('st2', 'probe', '值班员张');
      await until('own request seen', () => seen.includes(inTopic('st2', 'instruct')));
      expect(seen.filter((t) => t.includes('/st1/'))).toEqual([]);
      const closed = new Promise<void>((res) => st2.once('close', () => res()));
      st2.publish(outTopic('st1', 'alert'), JSON.stringify({ v: 1, atMs: 1, seq: 999999, level: 'critical', text: 'forged' }), { qos: 1 });
      await closed;
      await st2.endAsync(true);
      expect(centre.view().alerts.some((a) => a.text === 'forged')).toBe(false);
      // A wrong password: refused at CONNECT.
      await expect(mqtt.connectAsync(broker.url, { protocolVersion: 4, username: 'st1', password: 'guess', clientId: 'guess', reconnectPeriod: 0 })).rejects.toThrow(/bad user name or password|Not authorized|Bad username/i);
      // No user at all: refused too.
      await expect(mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: 'anon', reconnectPeriod: 0 })).rejects.toThrow();
    } finally {
      await l.value.close();
      await centre.close();
    }
  });
});
