/**
 * A station without the patrol runner (`kongxun serve` without --patrol) still tells the centre what its drones
 * do: the composition root on a memory link and the FakeClock, a hand-scripted drone (JH-01 of the sample
 * fleet) whose heartbeats stop and start again. The host's drain gives the link lost as a critical alert with
 * the drone's id, the link regained as an event; a flood of warning texts from the drone is held to six alerts
 * a minute, the rest counted.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { common, minimal } from 'mavlink-mappings';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock.js';
import { make } from '../../mavlink/codec/messages.js';
import { MavConnection } from '../../mavlink/connection.js';
import { memoryPair } from '../../mavlink/transport/index.js';
import { parseFleet } from '../../missions/fleet.js';
import { createStation } from '../compose.js';
import { stationHost } from './station-host.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function run(clock: FakeClock, ms: number, stepMs = 50): Promise<void> {
  for (let t = 0; t < ms; t += stepMs) {
    clock.advance(stepMs);
    for (let i = 0; i < 4; i++) await new Promise((r) => setImmediate(r));
  }
}

describe('stationHost without a patrol runner', () => {
  it('sends the drones\' link lost (alert) and regained (event), and their warnings, bounded', async () => {
    const parsed = parseFleet(JSON.parse(readFileSync('resources/samples/fleet.json', 'utf8')) as unknown, 'fleet.json');
    if (!parsed.ok) throw new Error(parsed.reason);
    const fleet = parsed.value;
    const jh01 = fleet.drones.find((d) => d.id === 'JH-01')!;
    const clock = new FakeClock(Date.UTC(2026, 11, 7, 2, 0, 0));
    const [a, b] = memoryPair(clock, { latencyMs: 5 });
    const dataDir = mkdtempSync(join(tmpdir(), 'kongxun-host-'));
    dirs.push(dataDir);
    const created = await createStation({ clock, dataDir, connections: [a] });
    if (!created.ok) throw new Error(created.reason);
    const station = created.value;
    const host = stationHost({ clock, station, fleet });
    const air = new MavConnection(b, { clock, sysid: jh01.sysid, compid: 1 });
    await air.open();
    const heartbeat = () => air.send(make(minimal.Heartbeat, { type: 2, autopilot: 3, baseMode: 1 as minimal.MavModeFlag, customMode: 5, systemStatus: 4 }));
    let beat = clock.setInterval(heartbeat, 1000);
    try {
      await run(clock, 3000);
      let d = host.drain();
      expect(d.events.map((e) => [e.kind, e.drone])).toContainEqual(['vehicle-new', 'JH-01']);
      expect(d.alerts).toEqual([]);
      expect(host.drain()).toEqual({ events: [], alerts: [], sorties: [] });

      // Silence: the link is lost (an alert, critical, naming the drone), then heard again (an event).
      clock.clearInterval(beat);
      await run(clock, 8000);
      d = host.drain();
      expect(d.alerts).toEqual([expect.objectContaining({ level: 'critical', drone: 'JH-01', text: 'JH-01: link lost', sortie: null })]);
      beat = clock.setInterval(heartbeat, 1000);
      await run(clock, 2000);
      d = host.drain();
      expect(d.events.map((e) => [e.kind, e.text])).toContainEqual(['vehicle-regained', 'JH-01: link regained']);

      // A drone that floods warning texts: six alerts in the minute, the next one after it says how many were held back.
      for (let i = 0; i < 20; i++) air.send(make(common.StatusText, { severity: common.MavSeverity.WARNING, text: `PreArm: warning ${i}`, id: 0, chunkSeq: 0 }));
      await run(clock, 1000);
      d = host.drain();
      expect(d.alerts).toHaveLength(6);
      expect(d.alerts.every((x) => x.level === 'warning' && x.drone === 'JH-01')).toBe(true);
      await run(clock, 60_000);
      host.drain();
      air.send(make(common.StatusText, { severity: common.MavSeverity.CRITICAL, text: 'EKF variance', id: 0, chunkSeq: 0 }));
      await run(clock, 500);
      d = host.drain();
      expect(d.alerts).toEqual([expect.objectContaining({ level: 'critical', drone: 'JH-01' })]);
      expect(d.alerts[0]!.text).toMatch(/EKF variance \(\+14 more texts not sent\)$/);
    } finally {
      clock.clearInterval(beat);
      host.close();
      await station.close();
    }
  });

  it('keeps the desk\'s instructions across a restart without a patrol store, so a later acknowledgement still reaches the centre', async () => {
    const parsed = parseFleet(JSON.parse(readFileSync('resources/samples/fleet.json', 'utf8')) as unknown, 'fleet.json');
    if (!parsed.ok) throw new Error(parsed.reason);
    const clock = new FakeClock(Date.UTC(2026, 11, 7, 2, 0, 0));
    const dataDir = mkdtempSync(join(tmpdir(), 'kongxun-host-'));
    dirs.push(dataDir);
    const created = await createStation({ clock, dataDir, connections: [] });
    if (!created.ok) throw new Error(created.reason);
    const station = created.value;
    const kept = new Map<string, string>();
    const store = { kv: (k: string) => kept.get(k), setKv: (k: string, v: string) => void kept.set(k, v) };
    const centre = { kind: 'centre' as const, centre: 'fenju', from: '127.0.0.1:1883' };
    let host = stationHost({ clock, station, fleet: parsed.value, store });
    let told = 0;
    host.onInstructions(() => told++);
    expect(host.instruct(centre, 'fenju-1', '注意东门', '值班员王').ok).toBe(true);
    expect(host.instruct(centre, 'fenju-1', '注意东门', '值班员王').ok).toBe(false);
    expect(told).toBe(1);
    host.close();
    // Restarted: the instruction is still there, pending; acknowledged now, the link can answer the centre.
    host = stationHost({ clock, station, fleet: parsed.value, store });
    expect(host.instructions()).toEqual([{ id: 'fenju-1', from: 'centre:fenju (值班员王)', text: '注意东门', atMs: clock.now(), ack: null }]);
    expect(host.acknowledged('fenju-1')).toBeNull();
    clock.advance(5000);
    expect(host.acknowledge('fenju-1', '调度李').ok).toBe(true);
    expect(host.acknowledge('fenju-1', 'someone else').ok).toBe(true);
    expect(host.acknowledged('fenju-1')).toEqual({ by: '调度李' });
    expect(host.acknowledge('nope', '调度李').ok).toBe(false);
    host.close();
    await station.close();
  });
});
