import { describe, expect, it } from 'vitest';
import { checkParams } from './services/param/checked.js';
import { cleanText, hasControl } from './text.js';

describe('cleanText', () => {
  it('replaces terminal escapes, line breaks, C1 and bidi controls with U+FFFD; keeps the rest (CJK too)', () => {
    expect(cleanText('\x1b[31mRED\x1b[0m')).toBe('\ufffd[31mRED\ufffd[0m');
    expect(cleanText('a\r\nb\tc\x00\x7f\x9b')).toBe('a\ufffd\ufffdb\ufffdc\ufffd\ufffd\ufffd');
    expect(cleanText('abc\u202edef')).toBe('abc\ufffddef');
    expect(cleanText('电池电压低 PreArm: GPS')).toBe('电池电压低 PreArm: GPS');
    expect(hasControl('x\x07')).toBe(true);
    expect(hasControl('plain')).toBe(false);
  });
});

describe('checkParams', () => {
  it('refuses non-finite values and non-names, naming them; keeps the rest in order', () => {
    const r = checkParams([
      { name: 'RTL_ALT', value: 1500, type: 6 },
      { name: 'FS_GCS_ENABLE', value: NaN, type: 2 },
      { name: 'WPNAV_SPEED', value: -Infinity, type: 9 },
      { name: '\x1b[2JEVIL', value: 1, type: 9 },
      { name: 'A_NAME_LONGER_THAN_16', value: 1, type: 9 },
      { name: 'ANGLE_MAX', value: 3000, type: 4 },
    ]);
    expect(r.params.map((p) => p.name)).toEqual(['RTL_ALT', 'ANGLE_MAX']);
    expect(r.refused).toEqual([
      'FS_GCS_ENABLE: value NaN is not a finite number',
      'WPNAV_SPEED: value -Infinity is not a finite number',
      '"\ufffd[2JEVIL": not a parameter name (1–16 letters, digits, _)',
      '"A_NAME_LONGER_THAN_16": not a parameter name (1–16 letters, digits, _)',
    ]);
  });
});
