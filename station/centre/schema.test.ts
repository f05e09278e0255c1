import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALERT, DISPATCH, FLEET, MAX_PAYLOAD_BYTES, SCHEMAS, STATUS, checkFleet, parsePayload, type FleetMsg } from './schema.js';
import { answerTopic, inTopic, outTopic, parseTopic } from './topics.js';

describe('centre payload schemas', () => {
  it('resources/formats/centre.md carries exactly the schemas the code checks', () => {
    const md = readFileSync(new URL('../../resources/formats/centre.md', import.meta.url), 'utf8');
    const blocks = [...md.matchAll(/```json\n([\s\S]*?)\n```/g)].map((m) => JSON.parse(m[1]!) as unknown);
    expect(blocks).toEqual(JSON.parse(JSON.stringify(SCHEMAS)));
  });

  it('accepts a good payload and refuses each kind of bad one with its path', () => {
    const d = { v: 1, atMs: 1, id: 'c-1', from: 'duty', latDeg: 24.5, lonDeg: 118.1, radiusM: 40, priority: 5, holdS: 120, text: '看一下' };
    expect(parsePayload(DISPATCH, JSON.stringify(d)).ok).toBe(true);
    const bad = (x: unknown) => {
      const r = parsePayload(DISPATCH, typeof x === 'string' ? x : JSON.stringify(x));
      return r.ok ? 'ok' : r.reason;
    };
    expect(bad('{')).toMatch(/not JSON/);
    expect(bad({ ...d, latDeg: 90.0001 })).toMatch(/\$\.latDeg: 90.0001 above 90/);
    expect(bad({ ...d, latDeg: '24.5' })).toMatch(/\$\.latDeg: expected number/);
    expect(bad({ ...d, priority: 1.5 })).toMatch(/\$\.priority: expected integer/);
    expect(bad({ ...d, v: 2 })).toMatch(/\$\.v: must be 1/);
    expect(bad({ ...d, id: 'a/b#' })).toMatch(/\$\.id: does not match/);
    expect(bad({ ...d, extra: 1 })).toMatch(/unknown field extra/);
    expect(bad({ ...d, holdS: undefined })).toMatch(/missing holdS/);
    expect(bad({ ...d, text: 'x'.repeat(501) })).toMatch(/longer than 500/);
    expect(bad(`{"pad":"${'x'.repeat(MAX_PAYLOAD_BYTES)}"}`)).toMatch(/limit/);
    expect(bad('[1e999]')).toMatch(/expected object|finite/);
    expect(parsePayload(ALERT, JSON.stringify({ v: 1, atMs: 1, seq: 3, level: 'panic', text: '' })).ok).toBe(false);
    expect(parsePayload(STATUS, JSON.stringify({ v: 1, atMs: 1, station: 'st1', online: true, outbox: 'ab12' })).ok).toBe(true);
  });

  it('checks each fleet row column', () => {
    const ok: FleetMsg = { v: 1, atMs: 1, drones: [['JH-01', 24.6, 118.1, 60, 359.9, 'AUTO', 80, 'P001', 'up'], ['JH-02', null, null, null, null, 'LAND', null, null, 'lost']] };
    expect(parsePayload(FLEET, JSON.stringify(ok)).ok && checkFleet(ok).ok).toBe(true);
    const row = (r: unknown[]) => checkFleet({ ...ok, drones: [r as FleetMsg['drones'][0]] });
    expect(row(['JH-01', 24.6, 118.1, 60, 361, 'AUTO', 80, null, 'up']).ok).toBe(false);
    expect(row(['JH-01', 24.6, 118.1, 60, 10, 'AUTO', 80, null, 'maybe']).ok).toBe(false);
    expect(row(['JH-01', 24.6, 118.1, 60, 10, 'AUTO', 80, null]).ok).toBe(false);
  });

  it('topics: own tree only, answers under the station', () => {
    expect(parseTopic(outTopic('st1', 'alert'))).toEqual({ station: 'st1', dir: 'out', kind: 'alert' });
    expect(parseTopic(inTopic('st1', 'dispatch'))).toEqual({ station: 'st1', dir: 'in', kind: 'dispatch' });
    expect(parseTopic(answerTopic('st1', 'fenju'))).toEqual({ station: 'st1', dir: 'out', kind: 'answer', centre: 'fenju' });
    expect(parseTopic('kongxun/v1/s/st1/out/alert/x')).toBeNull();
    expect(parseTopic('kongxun/v1/s/+/out/alert')).toBeNull();
    expect(parseTopic('kongxun/v2/s/st1/out/alert')).toBeNull();
  });
});
