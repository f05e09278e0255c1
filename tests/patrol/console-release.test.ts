/**
 * The patrol seen from a console (`serve --patrol`): each drone's view says its patrol state; a command from a
 * console takes the drone over; `release` gives it back, and is refused for a drone that is not taken over
 * (and on a station without a patrol). Over the console's real WebSocket.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { ServerMessage, VehicleCommand, VehicleView } from '../../common/api/contract.js';
import type { StationService } from '../../station/service.js';
import { serviceConsole, writeSampleDay } from './testkit.js';

const plan = writeSampleDay();
const services: StationService[] = [];
afterAll(async () => {
  for (const s of services) await s.close();
  rmSync(plan.dir, { recursive: true, force: true });
});

async function open(patrol: boolean) {
  const { service, ws, msgs } = await serviceConsole({ name: 'release', planDir: plan.dir, patrol, role: 'pilot' });
  services.push(service);
  let n = 0;
  const command = async (sysid: number, c: VehicleCommand) => {
    const requestId = `r${++n}`;
    ws.send(JSON.stringify({ type: 'command', requestId, sysid, ...c }));
    for (let k = 0; k < 300; k++) {
      const r = msgs.find((m): m is Extract<ServerMessage, { type: 'result' }> => m.type === 'result' && m.requestId === requestId);
      if (r) return r;
      await new Promise((x) => setTimeout(x, 50));
    }
    throw new Error(`no result for ${JSON.stringify(c)}`);
  };
  const view = async (sysid: number): Promise<VehicleView | undefined> => {
    const since = msgs.length;
    for (let k = 0; k < 100; k++) {
      const snaps = msgs.slice(since).filter((m): m is Extract<ServerMessage, { type: 'snapshot' }> => m.type === 'snapshot');
      const v = snaps.at(-1)?.vehicles.find((x) => x.sysid === sysid);
      if (v) return v;
      await new Promise((x) => setTimeout(x, 50));
    }
    throw new Error('no snapshot');
  };
  return { service, ws, command, view };
}

describe('the patrol from a console', () => {
  it('shows the patrol state, takes a drone over on a command, gives it back on release', async () => {
    const c = await open(true);
    const sysid = c.service.files.fleet.drones.find((d) => d.id === 'JH-06')!.sysid;
    expect(await c.view(sysid)).toMatchObject({ id: 'JH-06', patrol: { sortie: null, takenOver: false, maintenance: false } });
    expect(await c.command(sysid, { command: 'release' })).toMatchObject({ ok: false, result: 'denied', reason: 'the patrol has not been taken over on this drone' });
    await c.command(sysid, { command: 'pause' });
    expect(c.service.patrol!.isTakenOver(sysid)).toBe(true);
    expect((await c.view(sysid))?.patrol?.takenOver).toBe(true);
    expect(await c.command(sysid, { command: 'release' })).toMatchObject({ ok: true, result: 'accepted' });
    expect(c.service.patrol!.isTakenOver(sysid)).toBe(false);
    expect((await c.view(sysid))?.patrol?.takenOver).toBe(false);
    c.ws.close();
  }, 60_000);

  it('without a patrol: no patrol state, and release is refused', async () => {
    const c = await open(false);
    const sysid = c.service.files.fleet.drones[0]!.sysid;
    expect((await c.view(sysid))?.patrol).toBeUndefined();
    expect(await c.command(sysid, { command: 'release' })).toMatchObject({ ok: false, result: 'unsupported' });
    c.ws.close();
  }, 60_000);
});
