/**
 * Golden tests of the packed parameter format against the captures of a real ArduCopter 4.7 (fixtures in
 * tests/fixtures/params): param.pck and param-withdefaults.pck decode to the 1349 parameters of
 * copter-params.parm (same names, order and types; values equal except the 26 the capture README lists as
 * changed between the two sessions), and re-encode byte for byte, padding included.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodePacked, encodePacked } from './packed.js';
import { parseParm } from './parm-file.js';
import { sameValue } from './types.js';

const fx = (n: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../../../tests/fixtures/params/${n}`, import.meta.url)));
const parm = parseParm(new TextDecoder().decode(fx('copter-params.parm')));

/** README §2: parameters whose value differs between copter-params.parm (t ≈ 1 s) and param.pck (t ≈ 69 s). */
const CHANGED: Record<string, number> = {
  MAV1_RAW_SENS: 0, MAV1_EXT_STAT: 0, MAV1_RC_CHAN: 0, MAV1_RAW_CTRL: 0, MAV1_POSITION: 0, MAV1_EXTRA1: 0, MAV1_EXTRA2: 0, MAV1_EXTRA3: 0, MAV1_ADSB: 0,
  INS_GYROFFS_X: NaN, INS_GYROFFS_Y: NaN, INS_GYROFFS_Z: NaN, INS_GYR2OFFS_X: NaN, INS_GYR2OFFS_Y: NaN, INS_GYR2OFFS_Z: NaN,
  INS_GYR_ID: 2752772, INS_GYR2_ID: 2752780, INS_ACC_ID: 2753028, INS_ACC2_ID: 2753036,
  INS_GYR1_CALTEMP: 25.018353, INS_GYR2_CALTEMP: 25.018353,
  BARO1_GND_PRESS: 101325.13, BARO2_GND_PRESS: 101323.59, COMPASS_DEC: -0.07554264, MIS_TOTAL: 7, STAT_RUNTIME: 61,
};

describe('param.pck (packed parameters)', () => {
  it.each(['param.pck', 'param-withdefaults.pck'])('%s decodes to the 1349 parameters of copter-params.parm', (file) => {
    expect(parm.ok).toBe(true);
    if (!parm.ok) return;
    const d = decodePacked(fx(file));
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.file.count).toBe(1349);
    expect(d.file.total).toBe(1349);
    expect(d.file.params).toHaveLength(1349);
    expect(d.file.params.map((p) => p.name)).toEqual(parm.params.map((p) => p.name));
    expect(d.file.params.map((p) => p.type)).toEqual(parm.params.map((p) => p.type));
    const differing: string[] = [];
    d.file.params.forEach((p, i) => {
      const q = parm.params[i]!;
      if (!sameValue(p.type, p.value, q.value)) differing.push(p.name);
    });
    expect(differing.sort()).toEqual(Object.keys(CHANGED).sort());
    for (const [name, v] of Object.entries(CHANGED)) {
      const p = d.file.params.find((x) => x.name === name)!;
      if (Number.isNaN(v)) expect(Math.abs(p.value)).toBeLessThan(1e-3);
      else if (name.endsWith('CALTEMP')) expect(p.value).toBeCloseTo(v, 0);
      else expect(p.value).toBeCloseTo(v, 2);
    }
  });

  it('re-encodes both files byte for byte (padding for a 239-byte read size)', () => {
    for (const file of ['param.pck', 'param-withdefaults.pck']) {
      const raw = fx(file);
      const d = decodePacked(raw);
      if (!d.ok) throw new Error(d.reason);
      expect(Buffer.from(encodePacked(d.file.params, { withDefaults: d.file.withDefaults })).equals(Buffer.from(raw))).toBe(true);
    }
    const plain = decodePacked(fx('param.pck'));
    const withDefaults = decodePacked(fx('param-withdefaults.pck'));
    expect(plain.ok && plain.file.padding).toBe(26);
    expect(withDefaults.ok && withDefaults.file.padding).toBe(9);
  });

  it('the withdefaults file flags 44 parameters, with the defaults the README lists', () => {
    const d = decodePacked(fx('param-withdefaults.pck'));
    if (!d.ok) throw new Error(d.reason);
    expect(d.file.withDefaults).toBe(true);
    const flagged = d.file.params.filter((p) => p.defaultValue !== undefined);
    expect(flagged).toHaveLength(44);
    const by = new Map(flagged.map((p) => [p.name, p]));
    expect(by.get('RELAY1_FUNCTION')).toMatchObject({ value: 1, defaultValue: 0 });
    expect(by.get('MIS_TOTAL')).toMatchObject({ value: 7, defaultValue: 0 });
    expect(by.get('SIM_OH_RELAY_MSK')).toMatchObject({ value: -1, defaultValue: -1 });
  });

  it('refuses a bad magic and a truncated file, naming the offset', () => {
    expect(decodePacked(Uint8Array.of(1, 2, 3, 4, 5, 6))).toMatchObject({ ok: false, reason: expect.stringContaining('bad magic') });
    const raw = fx('param.pck');
    const r = decodePacked(raw.subarray(0, 1000));
    expect(r).toMatchObject({ ok: false, reason: expect.stringContaining('offset') });
  });

  it('never lets a value straddle a block boundary, whatever the block size', () => {
    const d = decodePacked(fx('param.pck'));
    if (!d.ok) throw new Error(d.reason);
    for (const block of [64, 100, 239]) {
      const bytes = encodePacked(d.file.params, { blockSize: block });
      const back = decodePacked(bytes);
      expect(back.ok && back.file.params.map((p) => p.value)).toEqual(d.file.params.map((p) => p.value));
    }
  });
});
