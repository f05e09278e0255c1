/**
 * A one-machine trial as an operator runs it: `kongxun centre --broker embedded` (aedes on 127.0.0.1 with a
 * password file made by Debian's mosquitto_passwd and the README's ACL) and the sample station as
 * `kongxun serve --centre mqtt://… --centre-mqtt 3.1.1` (its seven simulated drones, no patrol). The centre's console,
 * signed in, sees the station online with its drones; an instruction is delivered; a station with a wrong
 * password never appears.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CentreView } from '../../station/centre/centre.js';
import { centreArgs, Children, CONSOLE_AT, linkedStationArgs } from '../e2e/centre-stack.js';
import { addTestUser, signIn, withSession } from '../sign-in.js';

let dir: string;
const children = new Children();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kongxun-embedded-'));
});
afterAll(async () => {
  await children.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('kongxun centre --broker embedded', () => {
  it('links the sample station over the embedded broker; the signed-in console sees it; a wrong password does not get in', async () => {
    const passwd = join(dir, 'passwd');
    writeFileSync(passwd, '');
    for (const u of ['centre', 'jinhai', 'other']) execFileSync('mosquitto_passwd', ['-b', passwd, u, `pw-${u}`], { stdio: 'ignore' });
    writeFileSync(join(dir, 'centre.pw'), 'pw-centre\n');
    writeFileSync(join(dir, 'jinhai.pw'), 'pw-jinhai\n');
    writeFileSync(join(dir, 'wrong.pw'), 'not-the-password\n');
    await addTestUser(join(dir, 'centre-data'), 'dispatcher', 'duty');
    const started = await children.start(centreArgs({ broker: 'embedded', extra: ['--broker-password-file', passwd, '--broker-port', '0'], user: 'centre', passwordFile: join(dir, 'centre.pw'), data: join(dir, 'centre-data') }),
      /embedded broker \(MQTT 3\.1\.1\) at (mqtt:\/\/127\.0\.0\.1:\d+)[\s\S]*console at (http:\S+)/);
    const [, brokerUrl, consoleUrl] = started;
    const station = { broker: brokerUrl!, serve: ['--sim-warmup', '3'], link: ['--centre-mqtt', '3.1.1'] };
    await children.start(linkedStationArgs({ ...station, user: 'jinhai', passwordFile: join(dir, 'jinhai.pw'), data: join(dir, 'station') }), CONSOLE_AT);
    await children.start(linkedStationArgs({ ...station, user: 'other', passwordFile: join(dir, 'wrong.pw'), data: join(dir, 'other') }), CONSOLE_AT);
    const cookie = await signIn(consoleUrl!, 'duty');
    const state = async () => (await (await fetch(new URL('/api/state', consoleUrl), withSession(cookie))).json()) as CentreView;
    let v = await state();
    for (let i = 0; i < 300 && !(v.stations.find((s) => s.id === 'jinhai')?.online && v.stations.find((s) => s.id === 'jinhai')!.fleet.some((r) => r[1] !== null)); i++) {
      await new Promise((r) => setTimeout(r, 100));
      v = await state();
    }
    const st = v.stations.find((s) => s.id === 'jinhai');
    // The sample fleet (resources/samples/fleet.json), every drone on the simulator.
    expect(st).toMatchObject({ online: true, drones: 7 });
    expect(st!.fleet.map((r) => r[0])).toContain('JH-01');
    expect(st!.fleet).toHaveLength(7);
    // An instruction over the 3.1.1 broker: the request names the centre, the answer comes back.
    const r = await fetch(new URL('/api/instruct', consoleUrl), { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ station: 'jinhai', text: '试运行' }) });
    expect(r.status).toBe(200);
    const { id } = (await r.json()) as { id: string };
    for (let i = 0; i < 200 && !(v.requests.find((q) => q.id === id)?.answers.length); i++) {
      await new Promise((res) => setTimeout(res, 50));
      v = await state();
    }
    expect(v.requests.find((q) => q.id === id)!.answers.map((a) => a.state)).toEqual(['delivered']);
    // The station with the wrong password has had as long as the good one: never seen.
    expect(v.stations.map((s) => s.id)).toEqual(['jinhai']);
  }, 120_000);
});
