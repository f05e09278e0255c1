/**
 * The console server's video routes of issue 18: alert pictures at /api/snapshots/<file> (only snapshot names,
 * only from the snapshots folder), /api/janus (404 without Janus, 401 when the video hook says no, a token with
 * the relayed Janus URL otherwise).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../mavlink/clock.js';
import { ok } from '../../mavlink/result.js';
import { startConsoleServer, type ConsoleServerOptions } from './console-server.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function start(extra: Partial<ConsoleServerOptions>): Promise<string> {
  const r = await startConsoleServer({
    clock: new SystemClock(),
    staticDir: mkdtempSync(join(tmpdir(), 'kx-static-')),
    port: 0,
    source: {
      hello: () => ({ type: 'hello', station: 'jinhai', geography: null, simulated: true, version: 't', tiles: null }),
      snapshot: () => ({ type: 'snapshot', atMs: 1, station: 'jinhai', simulated: true, vehicles: [] }),
      onEvent: () => () => undefined,
      command: async () => ({ ok: false, result: 'denied', reason: 'no' }),
    },
    ...extra,
  });
  if (!r.ok) throw new Error(r.reason);
  closers.push(() => r.value.close());
  return r.value.url;
}

describe('console server: video routes', () => {
  it('serves alert pictures by snapshot name only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kx-snaps-'));
    writeFileSync(join(dir, 'JH-01_1796600000000_0.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
    writeFileSync(join(dir, 'secret.txt'), 'no');
    const url = await start({ snapshotsDir: dir });
    const r = await fetch(`${url}api/snapshots/JH-01_1796600000000_0.jpg`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/jpeg');
    expect([...new Uint8Array(await r.arrayBuffer())]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
    for (const bad of ['secret.txt', 'JH-02_1796600000000_0.jpg', '..%2Fsecret.txt', '%2e%2e']) expect((await fetch(`${url}api/snapshots/${bad}`)).status).toBe(404);
  });

  it('/api/janus: 404 without Janus, 401 when the video hook refuses, else a token and the relayed URL', async () => {
    expect((await fetch(`${await start({})}api/janus`)).status).toBe(404);
    const janus = { apiUrl: 'http://127.0.0.1:9/janus', issue: async () => ok({ url: 'http://127.0.0.1:9/janus', token: 'tok', expiresMs: 2, mountpoints: [{ drone: 'JH-01', id: 7 }] }) };
    expect((await fetch(`${await start({ janus, videoAuthorised: () => false })}api/janus`)).status).toBe(401);
    const r = await fetch(`${await start({ janus })}api/janus`);
    expect(await r.json()).toEqual({ url: '/janus', token: 'tok', expiresMs: 2, mountpoints: [{ drone: 'JH-01', id: 7 }] });
  });
});
