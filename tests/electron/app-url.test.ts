/**
 * The desktop app's URL checks (electron/app-url.ts), in Node: the app's own origin is `kongxun://app`
 * exactly — Node's URL calls every custom scheme's origin "null", so a check by `URL.origin` would let any
 * `evil://…` through; the one window a page may open is a drone's video; LAN consoles only when asked.
 */
import { describe, expect, it } from 'vitest';
import { appPage, isAppUrl, lanWanted, videoWindowDrone } from '../../electron/app-url.js';

describe('the app origin kongxun://app', () => {
  it('is matched by scheme and host, never by URL.origin', () => {
    expect(new URL('evil://app/').origin).toBe(new URL('kongxun://app/').origin); // both "null": why not origin
    for (const ok of ['kongxun://app/', 'kongxun://app/?view=desk', 'kongxun://app/api/me', 'KONGXUN://APP/x']) expect(isAppUrl(ok), ok).toBe(true);
    for (const bad of ['evil://app/', 'kongxun://app0/', 'kongxun://app.evil/', 'kongxun://evil/', 'kongxun://app:80/', 'kongxun://u:p@app/', 'kongxun://user@app/', 'http://app/', 'https://127.0.0.1/', 'file:///etc/passwd', 'about:blank', 'not a url', '']) {
      expect(isAppUrl(bad), bad).toBe(false);
    }
    expect(appPage('wall')).toBe('kongxun://app/?view=wall');
    expect(isAppUrl(appPage('desk'))).toBe(true);
  });

  it('lets a page open only a drone\'s video window', () => {
    expect(videoWindowDrone('kongxun://app/?view=video&drone=JH-01')).toBe('JH-01');
    expect(videoWindowDrone('kongxun://app/?drone=JH-02&view=video')).toBe('JH-02');
    for (const bad of [
      'kongxun://app/?view=desk',
      'kongxun://app/?view=video',
      'kongxun://app/?view=video&drone=',
      'kongxun://app/?view=video&drone=JH-01&x=1',
      'kongxun://app/?view=video&drone=JH-01#x',
      'kongxun://app/other?view=video&drone=JH-01',
      'kongxun://app/?view=video&drone=%1b[31m',
      `kongxun://app/?view=video&drone=${'x'.repeat(65)}`,
      'evil://app/?view=video&drone=JH-01',
      'http://127.0.0.1:8080/?view=video&drone=JH-01',
    ]) {
      expect(videoWindowDrone(bad), bad).toBeUndefined();
    }
  });

  it('opens the LAN port only when asked', () => {
    expect(lanWanted([], {})).toBe(false);
    expect(lanWanted(['--lan'], {})).toBe(true);
    expect(lanWanted([], { KONGXUN_LAN: '1' })).toBe(true);
    expect(lanWanted([], { KONGXUN_LAN: '0' })).toBe(false);
  });
});
