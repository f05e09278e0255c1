import { english } from './said.js';
import { describe, expect, it } from 'vitest';
import { parseRunMark, restartNote } from './run-mark.js';

const T = Date.parse('2026-11-24T02:00:00Z');

describe('the run mark', () => {
  it.each([
    [null, undefined],
    ['', undefined],
    ['{not json', undefined],
    ['{"startedMs":"x","aliveMs":1}', undefined],
    ['{"startedMs":1,"aliveMs":2}', { startedMs: 1, aliveMs: 2, stoppedMs: null }],
    ['{"startedMs":1,"aliveMs":2,"stoppedMs":3}', { startedMs: 1, aliveMs: 2, stoppedMs: 3 }],
  ])('reads %s', (text, want) => {
    expect(parseRunMark(text)).toEqual(want);
  });
  it('a first run says nothing; an unclean stop warns with the time down; a clean stop is a notice', () => {
    expect(restartNote(undefined, T)).toBeNull();
    const unclean = restartNote({ startedMs: T - 3600_000, aliveMs: T - 90_000, stoppedMs: null }, T)!;
    expect(unclean.level).toBe('warning');
    expect(english(unclean.said)).toBe('station restarted after an unclean stop (crash, kill or power cut): last alive 01:58:30Z, down about 90 s');
    const clean = restartNote({ startedMs: T - 3600_000, aliveMs: T - 60_000, stoppedMs: T - 60_000 }, T)!;
    expect(clean).toEqual({ level: 'notice', said: { code: 'restart', args: { stopped: '01:59:00Z', seconds: '60' } } });
    expect(english(clean.said)).toBe('station restarted: stopped 01:59:00Z, down 60 s');
  });
});
