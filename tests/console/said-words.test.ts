/**
 * The console words every code the patrol runner says (station/patrol/said.ts ↔ renderer/i18n.ts `pa.<code>`,
 * renderer/features/words.ts),
 * with the same parameters in both languages as the station's English; a runner alert arrives on the Chinese
 * console in Chinese, its causes and the autopilot's own words within it; a code the console does not know
 * falls back to the station's English rather than a key.
 */
import { describe, expect, it } from 'vitest';
import { PATROL_ENGLISH, english, said } from '../../station/patrol/said.js';
import { patrolAlert } from '../../station/storage/health.js';
import { STRINGS, translate, type Lang, type StringKey } from '../../renderer/i18n.js';
import { dispatchCause, wordEvent, wordSaid, type T } from '../../renderer/features/words.js';
import type { StationEvent } from '../../common/api/contract.js';

const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const tOf = (lang: Lang): T => (k, a) => translate(lang, k, a);

describe('patrol messages in the console', () => {
  it('has every code in both languages with the station English placeholders', () => {
    for (const [code, tpl] of Object.entries(PATROL_ENGLISH)) {
      if (code === 'text') continue;
      const key = `pa.${code}` as StringKey;
      expect(STRINGS['zh-CN'][key], code).toBeTypeOf('string');
      expect(names(STRINGS['zh-CN'][key]), code).toEqual(names(tpl));
      expect(names(STRINGS.en[key]), code).toEqual(names(tpl));
    }
    // And no console key without a code of the station's.
    const codes = new Set(Object.keys(PATROL_ENGLISH));
    expect(Object.keys(STRINGS.en).filter((k) => k.startsWith('pa.') && !codes.has(k.slice(3)))).toEqual([]);
  });

  it('words a runner alert in Chinese, causes and the autopilot text within', () => {
    const sd = said('reassigned', { sortie: 'P007', drone: 'JH-02' }, [said('gates-failed', {}, [said('gate-battery', { pct: 52, need: 65, route: 40, reserve: 25 }), said('gate-prearm', { text: 'PreArm: Compass not calibrated' })])]);
    const ev: StationEvent = { atMs: 0, kind: 'patrol', severity: 'warning', text: english(sd), said: sd, args: { drone: 'JH-02', sortie: 'P007' } };
    expect(wordEvent(tOf('zh-CN'), ev)).toBe('P007（JH-02）：起飞检查未通过：电量 52% 低于 65%（航线 40% + 余量 25%）；解锁前检查：PreArm: Compass not calibrated');
    expect(wordEvent(tOf('en'), ev)).toBe('P007 (JH-02): gates failed: battery 52 % < 65 % (route 40 % + reserve 25 %); pre-arm: PreArm: Compass not calibrated');
  });

  it('words the storage alerts the runner relays with the storage wording', () => {
    const a = patrolAlert({ kind: 'storage-failed', store: 'tlogs', path: '/d/tlogs/x.tlog', code: 'ENOSPC', message: 'no space', atMs: 0 })!;
    expect(a.said.code).toBe('storage-failed');
    const ev: StationEvent = { atMs: 0, kind: 'patrol', severity: 'alert', text: a.text, said: a.said };
    expect(wordEvent(tOf('zh-CN'), ev)).toMatch(/^遥测日志无法写入：ENOSPC/);
  });

  it('falls back to the English for a code it does not know, in the message or a cause', () => {
    const t = tOf('zh-CN');
    expect(wordSaid(t, { code: 'from-a-newer-station' })).toBeNull();
    expect(wordSaid(t, said('fault', { sortie: 'P1', drone: 'A' }, [{ code: 'from-a-newer-station' }]))).toBeNull();
    const ev: StationEvent = { atMs: 0, kind: 'patrol', severity: 'warning', text: 'P1 (A): something new', said: { code: 'from-a-newer-station' } };
    expect(wordEvent(t, ev)).toBe('P1 (A): something new');
  });

  it('words why a dispatch failed in the console\'s language; a record without a code, or with one it does not know, in the station\'s English', () => {
    const cause = said('failsafe', { from: 'GUIDED', to: 'RTL' });
    expect(dispatchCause(tOf('zh-CN'), { reason: english(cause), cause })).toBe('模式 GUIDED → RTL（无人机自身的失控保护）');
    expect(dispatchCause(tOf('en'), { reason: english(cause), cause })).toBe("mode GUIDED → RTL (the drone's failsafe)");
    const away = said('dispatch-not-there', { radius: 50, minutes: 10, metres: 600 });
    expect(dispatchCause(tOf('zh-CN'), { reason: english(away), cause: away })).toBe('10 分钟后仍未到达目标点 50 米范围内（相距 600 米）');
    expect(dispatchCause(tOf('zh-CN'), { reason: 'station restarted during the dispatch' })).toBe('station restarted during the dispatch');
    expect(dispatchCause(tOf('zh-CN'), { reason: 'x', cause: { code: 'from-a-newer-station' } })).toBe('x');
    expect(dispatchCause(tOf('zh-CN'), { reason: null, cause: null })).toBeNull();
  });
});
