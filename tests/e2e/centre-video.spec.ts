/// <reference lib="dom" />
/**
 * The centre console shows a station's drone video on request (issue 18), with real things: ffmpeg (libx264) →
 * `kongxun serve --video … --janus --centre …` (the station's own Janus on loopback) — a real Mosquitto — `kongxun
 * centre`; in Debian's Chromium the centre page asks for JH-01 of station jinhai, the station answers over MQTT with
 * its Janus, the mountpoint and a token of that request's own, and the page plays it over WebRTC from the
 * station's Janus (frames decoded, a picture that is not blank). A drone without video is refused with the reason.
 */
import { spawn } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { findJanus } from '../../station/video/janus-process.js';
import { freeUdpPortPair } from '../video/ffmpeg.js';
import { centreStack, type CentreStack } from './centre-stack.js';
import { TEST_PASSWORD } from '../sign-in.js';

let stack: CentreStack;
let url: string;

test.beforeAll(async () => {
  const janus = findJanus();
  if (!janus.ok) throw new Error(janus.reason);
  const rtp = await freeUdpPortPair();
  const janusPort = await freeUdpPortPair();
  // The centre's console signs in with the station's accounts and roles: a viewer may watch video.
  stack = await centreStack({
    name: 'centre-video', centreAccounts: [['viewer', '值班员李']], serve: ['--video', `JH-01=rtp://127.0.0.1:${rtp}`, '--janus', '--janus-port', String(janusPort)],
  });
  url = stack.centreUrl;
  const ff = spawn('/usr/bin/ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-c:v', 'libx264', '-tune', 'zerolatency', '-profile:v', 'baseline', '-g', '30', '-x264-params', 'repeat-headers=1', '-f', 'rtp', `rtp://127.0.0.1:${rtp}`], { stdio: 'ignore' });
  stack.children.adopt(ff);
});

test.afterAll(async () => stack?.close());

test('the centre plays a station drone’s video from that station’s Janus, on request', async ({ page }) => {
  await page.goto(url);
  await page.locator('#user').fill('值班员李');
  await page.locator('#password').fill(TEST_PASSWORD);
  await page.locator('#signinbtn').click();
  await expect(page.locator('tr[data-station="jinhai"]')).toContainText('在线 online', { timeout: 30_000 });
  await expect(page.locator('#vdrone option[value="JH-01"]')).toHaveCount(1, { timeout: 30_000 });
  await page.locator('#vstation').selectOption('jinhai');

  // A drone that sends no video: refused, with the station's reason.
  await page.locator('#vdrone').selectOption('JH-02');
  await page.locator('#watch').click();
  await expect(page.locator('#vmsg')).toContainText('no live video from JH-02', { timeout: 30_000 });

  // JH-01: the station's answer carries its Janus and a token; the page plays WebRTC from it. (The mountpoint is
  // made at the drone's first packet: ask again until it is there.)
  await page.locator('#vdrone').selectOption('JH-01');
  await expect
    .poll(async () => {
      const txt = (await page.locator('#vmsg').textContent()) ?? '';
      if (!/playing through/.test(txt)) await page.locator('#watch').click();
      await page.waitForTimeout(1000);
      return (await page.locator('#vmsg').textContent()) ?? '';
    }, { timeout: 60_000 })
    .toContain('playing through the station Janus: jinhai JH-01');
  const video = page.locator('#vplayer');
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.getVideoPlaybackQuality().totalVideoFrames), { timeout: 30_000 }).toBeGreaterThan(30);
  expect(await video.evaluate((v: HTMLVideoElement) => [v.videoWidth, v.videoHeight])).toEqual([640, 360]);
  // Not a blank picture: the decoded frame has many distinct colours (testsrc2).
  const colours = await video.evaluate((v: HTMLVideoElement) => {
    const c = document.createElement('canvas');
    c.width = 64;
    c.height = 36;
    const g = c.getContext('2d')!;
    g.drawImage(v, 0, 0, 64, 36);
    const d = g.getImageData(0, 0, 64, 36).data;
    const seen = new Set<number>();
    for (let i = 0; i < d.length; i += 4) seen.add((d[i]! >> 4) * 256 + (d[i + 1]! >> 4) * 16 + (d[i + 2]! >> 4));
    return seen.size;
  });
  expect(colours).toBeGreaterThan(20);
});
