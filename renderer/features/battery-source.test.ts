import { describe, expect, it } from 'vitest';
import { translate } from '../i18n.js';
import { batterySourceKey } from './battery-source.js';

describe('the drone card says where its battery time comes from', () => {
  const words = (v: Parameters<typeof batterySourceKey>[0], lang: 'zh-CN' | 'en') => {
    const k = batterySourceKey(v);
    return k === null ? null : translate(lang, k);
  };

  it('learned, from parameters, or partly: zh-CN first, English second', () => {
    expect(words({ batteryTimeLeftS: 1200, batteryTimeLeftSource: 'learned' }, 'zh-CN')).toBe('本机学习');
    expect(words({ batteryTimeLeftS: 1200, batteryTimeLeftSource: 'prior' }, 'zh-CN')).toBe('按参数估计');
    expect(words({ batteryTimeLeftS: 1200, batteryTimeLeftSource: 'mixed' }, 'zh-CN')).toBe('部分按参数估计');
    expect(words({ batteryTimeLeftS: 1200, batteryTimeLeftSource: 'learned' }, 'en')).toBe('learned');
    expect(words({ batteryTimeLeftS: 1200, batteryTimeLeftSource: 'prior' }, 'en')).toBe('estimated from parameters');
  });

  it('says nothing without a figure, or when an older station does not say', () => {
    expect(batterySourceKey({ batteryTimeLeftS: null, batteryTimeLeftSource: 'prior' })).toBeNull();
    expect(batterySourceKey({ batteryTimeLeftS: 1200 })).toBeNull();
    expect(batterySourceKey({ batteryTimeLeftS: 1200, batteryTimeLeftSource: null })).toBeNull();
  });
});
