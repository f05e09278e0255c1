import { describe, expect, it } from 'vitest';
import { STRINGS, format, translate } from './i18n.js';

/** Chinese characters and CJK/full-width punctuation. */
const HAN = /[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]/;

describe('UI strings', () => {
  const zh = STRINGS['zh-CN'];
  const en = STRINGS.en;

  it('have the same keys in zh-CN and English', () => {
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
  });

  it('leave nothing untranslated: every Chinese string has Chinese, no English string has', () => {
    const keys = Object.keys(zh) as (keyof typeof zh)[];
    const copies = keys.filter((k) => zh[k] === en[k]);
    expect(copies).toEqual([]);
    // The language switch names the *other* language, so it is the one exception each way.
    expect(keys.filter((k) => k !== 'language' && !HAN.test(zh[k]))).toEqual([]);
    expect(keys.filter((k) => k !== 'language' && HAN.test(en[k]))).toEqual([]);
  });

  it('use the same placeholders in both languages', () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const k of Object.keys(zh) as (keyof typeof zh)[]) expect(names(en[k]), k).toEqual(names(zh[k]));
  });

  it('fill placeholders', () => {
    expect(format('{drone} to {alt} m', { drone: 'JH-01', alt: 30 })).toBe('JH-01 to 30 m');
    expect(translate('zh-CN', 'confirmTakeoff', { drone: 'JH-03', alt: 25 })).toBe('JH-03 起飞至 25 米？');
  });
});
