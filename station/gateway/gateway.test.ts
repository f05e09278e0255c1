import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock.js';
import { FlightRules } from '../../missions/plan/flight-check.js';
import { openAuditLog } from './audit.js';
import { CommandGateway, type GatewayRequest } from './gateway.js';
import type { Principal, Role } from './principal.js';
import { RIGHTS } from './rights.js';

const rules = FlightRules.fromGeoJson(JSON.parse(readFileSync('resources/samples/jinhai.geojson', 'utf8')))!;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function gateway(held = false) {
  const dir = mkdtempSync(join(tmpdir(), 'kongxun-gw-'));
  dirs.push(dir);
  const audit = openAuditLog(dir);
  if (!audit.ok) throw new Error(audit.reason);
  const taken: number[] = [];
  const g = new CommandGateway({ clock: new FakeClock(1_700_000_000_000), audit: audit.value, rules, droneName: (s) => `JH-0${s - 10}`, patrol: { holds: () => (held ? 'patrol sortie P007' : null), takeover: (s) => taken.push(s) } });
  return { g, taken };
}
const user = (role: Role): Principal => ({ kind: 'user', user: role, role, from: '10.0.0.5', via: 'console' });
const goto = (latDeg: number, lonDeg: number): GatewayRequest['act'] => ({ kind: 'command', cmd: { command: 'goto', latDeg, lonDeg, altRelM: 40 } });

describe('the command gateway', () => {
  it('grants by role: only a pilot flies, a dispatcher has the camera, a viewer nothing', () => {
    const { g } = gateway();
    const fly = (role: Role) => g.check({ who: user(role), sysid: 11, act: goto(24.6, 118.262) }).verdict;
    const photo = (role: Role) => g.check({ who: user(role), sysid: 11, act: { kind: 'command', cmd: { command: 'camera', action: 'photo' } } }).verdict;
    expect((['pilot', 'dispatcher', 'viewer', 'reviewer', 'admin'] as Role[]).map((r) => [r, fly(r), photo(r)])).toEqual([
      ['pilot', 'allowed', 'allowed'],
      ['dispatcher', 'refused', 'allowed'],
      ['viewer', 'refused', 'refused'],
      ['reviewer', 'refused', 'refused'],
      ['admin', 'refused', 'refused'],
    ]);
    expect(RIGHTS.viewer).toEqual([]);
    expect(g.check({ who: { kind: 'runner' }, sysid: 11, act: { kind: 'step', label: 'arm' } }).verdict).toBe('allowed');
    expect(g.check({ who: { kind: 'centre', centre: 'fenju', from: '10.1.1.1' }, sysid: 11, act: goto(24.6, 118.262) }).reason).toBe('centre:fenju (dispatcher) may not send flight commands');
  });

  it('lets only a pilot override the jurisdiction, with a reason; never a bad number', () => {
    const { g } = gateway();
    const into = (who: Principal, reason?: string) => g.check({ who, sysid: 11, act: goto(24.59, 118.274), ...(reason !== undefined ? { override: { reason } } : {}) });
    expect(into(user('pilot'))).toMatchObject({ verdict: 'refused', code: 'outside-rules' });
    expect(into(user('pilot'), 'ok')).toMatchObject({ verdict: 'refused', reason: expect.stringContaining('needs a written reason') });
    expect(into(user('pilot'), 'fire at the substation')).toMatchObject({ verdict: 'override' });
    expect(into({ kind: 'cli', osUser: 'ops' }, 'fire at the substation')).toMatchObject({ verdict: 'override' });
    expect(into({ kind: 'runner' }, 'fire at the substation')).toMatchObject({ verdict: 'refused' });
    expect(g.check({ who: user('pilot'), sysid: 11, act: { kind: 'command', cmd: { command: 'goto', latDeg: NaN, lonDeg: 118.26, altRelM: 40 } }, override: { reason: 'fire at the substation' } })).toMatchObject({ verdict: 'refused', code: 'insane' });
    expect(g.check({ who: user('pilot'), sysid: 11, act: { kind: 'command', cmd: { command: 'orbit', latDeg: 24.6, lonDeg: 118.262, radiusM: 50, velocityMps: 99 } } }).reason).toBe('orbit speed: 99 must be a number from 0.5 to 20');
    expect(g.check({ who: user('pilot'), sysid: 11, act: { kind: 'command', cmd: { command: 'self-destruct' } as never } }).reason).toBe('command: unknown command "self-destruct"');
  });

  it('audits before sending and after; takes a held drone over for a person, not for the runner or the camera', async () => {
    const { g, taken } = gateway(true);
    let auditedBeforeSend = 0;
    const out = await g.perform({ who: user('pilot'), sysid: 11, act: goto(24.6, 118.262) }, async () => ((auditedBeforeSend = g.audit.rows().length), 'Go to accepted'), (t) => ({ ok: true, text: t }));
    expect(out).toMatchObject({ sent: true, takeover: 'patrol sortie P007' });
    expect(auditedBeforeSend).toBe(1);
    expect(taken).toEqual([11]);
    await g.perform({ who: { kind: 'runner' }, sysid: 12, act: { kind: 'step', label: 'arm' } }, async () => 'x', () => ({ ok: true, text: 'x' }));
    await g.perform({ who: user('pilot'), sysid: 13, act: { kind: 'command', cmd: { command: 'camera', action: 'photo' } } }, async () => 'x', () => ({ ok: true, text: 'x' }));
    expect(taken).toEqual([11]);
    await expect(g.perform({ who: user('pilot'), sysid: 14, act: { kind: 'command', cmd: { command: 'land' } } }, () => Promise.reject(new Error('link gone')), () => ({ ok: true, text: '' }))).rejects.toThrow('link gone');
    const rows = g.audit.rows();
    expect(rows.map((r) => [r.drone, r.phase, r.action, r.verdict, r.phase === 'request' ? r.reason : r.answer])).toEqual([
      ['JH-01', 'request', 'goto', 'allowed', 'takes the drone over from patrol sortie P007'],
      ['JH-01', 'result', 'goto', 'accepted', 'Go to accepted'],
      ['JH-02', 'request', 'arm', 'allowed', ''],
      ['JH-02', 'result', 'arm', 'accepted', 'x'],
      ['JH-03', 'request', 'camera', 'allowed', ''],
      ['JH-03', 'result', 'camera', 'accepted', 'x'],
      ['JH-04', 'request', 'land', 'allowed', 'takes the drone over from patrol sortie P007'],
      ['JH-04', 'result', 'land', 'failed', 'threw: link gone'],
    ]);
    expect(rows[0]).toMatchObject({ who: 'pilot', role: 'pilot', via: 'console', from: '10.0.0.5', atMs: 1_700_000_000_000 });
    expect(rows[2]).toMatchObject({ who: 'patrol-runner', via: 'runner' });
  });
});
