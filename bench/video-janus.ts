/**
 * `npx tsx bench/video-janus.ts [seconds=10]` — the kiosk's path through Janus against the desk's WebSocket
 * path, in the same run on the same stream: one 720p30 libx264 stream (zerolatency, keyframe every 30 frames,
 * the frame number drawn in the picture: tests/e2e/frame-code.ts; pre-encoded, looped with -c copy) → `kongxun serve --video … --janus` (Debian's
 * janus on loopback, the station forwarding the RTP unchanged) → one Chromium showing the desk (WebCodecs in a
 * worker over /ws/video), then the kiosk (`?view=kiosk`, WebRTC from Janus), SECONDS each.
 *   - desk: arrival of the frame in the station → drawn on the canvas (the decoder worker's own samples);
 *   - kiosk: arrival in the station (the recording index, by frame number) → presented
 *     (requestVideoFrameCallback's presentationTime), and → received (WebRTC's receiveTime: the network and
 *     Janus's relay alone, before the browser's jitter buffer and decoder).
 * Prints median/p95 of each and the ratios kiosk / desk. Asserts nothing. Without janus it says so and stops.
 */
import { chromium } from '@playwright/test';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codedLatencies, FRAME_CODE_VF, readFrameCodes, stationArrivals } from '../tests/e2e/frame-code.js';
import { serve } from '../tests/e2e/station.js';
import { freeUdpPortPair } from '../tests/video/ffmpeg.js';
import { findJanus } from '../station/video/janus-process.js';

const SECONDS = Number(process.argv[2] ?? 10);
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const q = (a: number[], p: number) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(p * a.length))] ?? NaN;

const found = findJanus();
if (!found.ok) {
  console.log(`janus path not measured: ${found.reason}`);
  process.exit(0);
}
const port = await freeUdpPortPair();
const janusPort = await freeUdpPortPair();
const station = await serve(['--video', `JH-01=rtp://127.0.0.1:${port}`, '--janus', '--janus-port', String(janusPort)]);
// Pre-encoded (the frame-number filter is too slow for real time at 720p here), then looped with -c copy.
const FRAMES = 300;
const file = join(mkdtempSync(join(tmpdir(), 'kx-janus-bench-')), 'coded.mkv');
execFileSync('/usr/bin/ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-vf', FRAME_CODE_VF, '-frames:v', String(FRAMES), '-c:v', 'libx264', '-tune', 'zerolatency', '-profile:v', 'baseline', '-g', '30', '-x264-params', 'repeat-headers=1', '-y', file]);
const ff = spawn('/usr/bin/ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', file, '-c', 'copy', '-f', 'rtp', `rtp://127.0.0.1:${port}`], { stdio: 'ignore' });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
try {
  // One page at a time (a page in the background is throttled): the desk, then the kiosk, on the same stream.
  const desk = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await desk.goto(station.url);
  await desk.getByTestId('drone-JH-01').click();
  await wait(4000);
  const deskRead = () => desk.evaluate(() => (window as unknown as { kongxunVideo: Record<string, { latencyMs: number[]; painted: number }> }).kongxunVideo['JH-01']!);
  const p0 = (await deskRead()).painted;
  await wait(SECONDS * 1000);
  const ds = await deskRead();
  const d = ds.latencyMs.slice(-Math.min(ds.latencyMs.length, ds.painted - p0));
  await desk.close();
  const kiosk = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await kiosk.goto(`${station.url}?view=kiosk`);
  await kiosk.locator('[data-testid="kiosk-JH-01"][data-state="live"]').waitFor({ timeout: 30_000 });
  await readFrameCodes(kiosk, '[data-testid="kiosk-JH-01"] video');
  await wait(2000);
  const kioskBefore = await kiosk.evaluate(() => (window as unknown as { kxFrameCodes: unknown[] }).kxFrameCodes.length);
  await wait(SECONDS * 1000);
  const k = await codedLatencies(kiosk, stationArrivals(station.data, 'JH-01'), kioskBefore, FRAMES);
  const f = (a: number[]) => `median ${q(a, 0.5).toFixed(1)} ms, p95 ${q(a, 0.95).toFixed(1)} ms (${a.length} frames)`;
  console.log(`720p30, desk (WebSocket → WebCodecs):          arrival in station → painted   ${f(d)}`);
  console.log(`720p30, kiosk (Janus → WebRTC):                arrival in station → presented ${f(k.painted)}`);
  console.log(`                                               arrival in station → received  ${f(k.received)}`);
  console.log(`kiosk / desk: median ×${(q(k.painted, 0.5) / q(d, 0.5)).toFixed(2)}, p95 ×${(q(k.painted, 0.95) / q(d, 0.95)).toFixed(2)}; Janus path adds ${(q(k.painted, 0.5) - q(d, 0.5)).toFixed(1)} ms at the median, of which the relay to the browser ${q(k.received, 0.5).toFixed(1)} ms`);
} finally {
  ff.kill('SIGKILL');
  await browser.close();
  station.stop();
}
