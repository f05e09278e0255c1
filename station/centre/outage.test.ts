/**
 * The broker away for 60 s during a patrol, with a real Mosquitto stopped (SIGKILL) and started again.
 *
 * The link's own timers (fleet at 1 Hz, the drain every 200 ms, the thinning) run on a FakeClock the test
 * advances; the MQTT client's (reconnect, keep-alive, connect timeout) are the mqtt package's own and cannot be
 * driven by it, so the outage is also 60 s of real time — once, in a loop of 60 one-second steps that ends by
 * itself. While the broker is away: 300 events and 30 alerts are kept on disk; fleet snapshots are thinned to
 * one per 10 s of station time (6 in 60 s, none dropped: far under the 3600 bound). After: every event and
 * alert reaches the centre in order, none twice, no gap, and the outbox empties.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock, SystemClock } from '../../common/clock.js';
import { Centre } from './centre.js';
import { CentreLink } from './link.js';
import { FakeHost } from './testkit/fake-host.js';
import { startMosquitto, type Broker } from './testkit/mosquitto.js';

let broker: Broker;
let centre: Centre;
let dir: string;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  broker = await startMosquitto({ users: ['centre', 'st1'] });
  const c = Centre.start({ clock: new SystemClock(), url: broker.url, id: 'centre', username: 'centre', password: broker.password('centre'), reconnectMs: 500 });
  if (!c.ok) throw new Error(c.reason);
  centre = c.value;
  dir = mkdtempSync(join(tmpdir(), 'kongxun-outage-'));
});
afterAll(async () => {
  await centre.close();
  await broker.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the broker away for 60 s', () => {
  it('keeps events and alerts on disk, thins telemetry to one per 10 s, and delivers everything in order afterwards', async () => {
    const clock = new FakeClock(Date.UTC(2026, 11, 7, 2, 0, 0));
    const host = new FakeHost();
    host.fleetRows = [['JH-01', 24.6, 118.1, 60, 90, 'AUTO', 80, 'P001', 'up']];
    const l = CentreLink.start({ clock, url: broker.url, station: 'st1', username: 'st1', password: broker.password('st1'), dir, host, fleetHz: 1, keepaliveS: 5, reconnectMs: 1000 });
    if (!l.ok) throw new Error(l.reason);
    const link = l.value;
    /** Station time goes on by `ms` (in the drain's 200 ms steps), and real time lets the sockets work. */
    const step = async (ms: number) => {
      for (let t = 0; t < ms; t += 200) {
        clock.advance(200);
        await sleep(0);
      }
    };
    const until = async (what: string, cond: () => boolean, steps = 600) => {
      for (let i = 0; !cond(); i++) {
        if (i >= steps) {
          const st = centre.station('st1');
          throw new Error(`timed out waiting for: ${what} (link ${JSON.stringify(link.stats())}; centre connected ${centre.connected}, events ${st?.events.length}, alerts ${centre.view().alerts.length}, lastSeq ${st?.lastSeq}, gaps ${st?.gaps}, duplicates ${st?.duplicates}, last ${st?.events.at(-1)?.text})`);
        }
        await step(200);
        await sleep(50);
      }
    };
    let n = 0;
    let alerts = 0;
    const emit = (k: number) => {
      for (let i = 0; i < k; i++) {
        n++;
        host.events.push({ atMs: clock.now(), kind: 'state', text: `ev${n}`, sortie: 'P001', drone: 'JH-01' });
        if (n % 10 === 0) host.alerts.push({ atMs: clock.now(), level: 'warning', text: `al${++alerts}`, sortie: 'P001', drone: 'JH-01', latDeg: 24.6, lonDeg: 118.1 });
      }
    };
    try {
      await until('st1 online', () => centre.station('st1')?.online === true && link.connected);
      emit(20);
      await until('the first 20 events', () => centre.station('st1')!.events.length === 20);

      // Mosquitto saves its sessions every second (autosave_interval 1): a crash before the first save after the
      // centre subscribed would lose the centre's session, and with it what the broker keeps for it.
      expect(await broker.persisted()).toBe(true);
      await broker.stop('SIGKILL');
      await until('the link sees the broker gone', () => !link.connected);
      const fleetBefore = link.stats().outbox.telemetry;
      expect(fleetBefore).toBe(0);
      // 60 s: 5 events a second (an alert every 10), station time and real time together.
      const t0 = performance.now();
      for (let s = 0; s < 60; s++) {
        emit(5);
        await step(1000);
        await sleep(Math.max(0, t0 + (s + 1) * 1000 - performance.now()));
      }
      const held = link.stats().outbox;
      expect(link.connected).toBe(false);
      expect(held.must).toBe(300 + 30);
      // One fleet snapshot per 10 s of station time: 6 in 60 s; nothing had to be dropped.
      expect(held.telemetry).toBe(6);
      expect(held.dropped).toBe(0);

      await broker.start();
      await until('every event at the centre', () => centre.station('st1')!.events.length === 320 && centre.view().alerts.length === 32, 300);
      const st = centre.station('st1')!;
      expect(st.events.map((e) => e.text)).toEqual(Array.from({ length: 320 }, (_, i) => `ev${i + 1}`));
      expect(centre.view().alerts.map((a) => a.text).reverse()).toEqual(Array.from({ length: 32 }, (_, i) => `al${i + 1}`));
      expect(st.gaps).toBe(0);
      await until('the outbox empty', () => link.stats().outbox.must === 0 && link.stats().outbox.telemetry === 0);
      // Live again: the fleet snapshots resume at 1 Hz (newer than anything kept).
      const live = st.fleetAtMs!;
      await until('a live snapshot', () => centre.station('st1')!.fleetAtMs! > live);
    } finally {
      await link.close();
    }
  }, 150_000);
});
