/**
 * A real ArduCopter sends only what it is asked for; here each drone of the sample day withholds one message the
 * runner depends on from power-on (sitl fault `drop`, as if the firmware never streamed it). The station must
 * say which message is missing (an alert naming it, for the drone's sortie) and no sortie may hang silently in
 * `launching`: MISSION_CURRENT withheld, progress comes from MISSION_ITEM_REACHED and the sortie flies on.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { STREAM_MESSAGE_IDS } from '../../station/vehicle/streams.js';
import { sampleSimDay, type SampleDay } from './testkit.js';

const WITHHELD = ['MISSION_CURRENT', 'GLOBAL_POSITION_INT', 'GPS_RAW_INT', 'SYS_STATUS', 'BATTERY_STATUS', 'EXTENDED_SYS_STATE', 'EKF_STATUS_REPORT'];

let made: SampleDay | undefined;
afterAll(async () => made?.close());

describe('a drone that withholds a message the runner depends on', () => {
  it('is named in an alert and its sortie does not hang silently', async () => {
    // One withheld message per drone, in the order the drones first fly.
    const probe = await sampleSimDay();
    const firsts = new Map<number, { id: string; landMs: number; onMs: number }>();
    for (const s of [...probe.day.day.sorties].sort((a, b) => a.launchMs - b.launchMs)) if (!firsts.has(s.drone.sysid)) firsts.set(s.drone.sysid, { id: s.s.id, landMs: s.landMs, onMs: s.onMs });
    await probe.close();
    const drones = [...firsts.keys()].slice(0, WITHHELD.length);
    const of = new Map(drones.map((sysid, i) => [sysid, WITHHELD[i]!] as const));
    made = await sampleSimDay({ faults: drones.map((sysid) => ({ kind: 'drop' as const, messages: [STREAM_MESSAGE_IDS[of.get(sysid)!]!], sysid })) });
    const d = made.day;
    const until = Math.max(...drones.map((s) => firsts.get(s)!.landMs)) + 10 * 60_000;
    await d.runUntil(until);
    const alerts = d.store.alerts();
    const lines: string[] = [];
    for (const sysid of drones) {
      const message = of.get(sysid)!;
      const first = firsts.get(sysid)!;
      const named = alerts.filter((a) => a.sysid === sysid && a.text.includes(message));
      const s = d.runner.list().find((x) => x.id === first.id)!;
      lines.push(`${message} withheld by sys${sysid}: ${first.id} ${s.state}; ${named.length} alert(s): ${named[0]?.text ?? '—'}`);
      expect(named.length, `no alert names ${message}`).toBeGreaterThan(0);
      expect(s.state, `${first.id} hangs`).not.toBe('launching');
      expect(s.state).not.toBe('preparing');
    }
    // MISSION_CURRENT withheld: the sortie still reaches its post (progress from MISSION_ITEM_REACHED) and lands.
    const mc = drones.find((s) => of.get(s) === 'MISSION_CURRENT')!;
    const mcSortie = d.runner.list().find((x) => x.id === firsts.get(mc)!.id)!;
    expect(mcSortie.onStationAtMs, lines.join('\n')).not.toBeNull();
    console.log(lines.join('\n'));
  }, 1_200_000);
});
