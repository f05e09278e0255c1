/**
 * `npx tsx bench/video-latency.ts [seconds=10]` — live video latency and station CPU, measured end to end, for
 * the console's WebCodecs path and for the MSE/fMP4 path, one after the other on the same streams in the same run.
 *
 * ffmpeg sends pre-encoded libx264 test patterns (zerolatency, keyframe every 30) with `-c copy -re`, so the
 * encoder's CPU does not compete with what is measured, to `kongxun serve --video …`; pages run in Debian's
 * Chromium (software decoding, 2-core machine). For each case:
 *   - WebCodecs (the console): painted = arrival of the frame's last packet in the station → drawn on the
 *     canvas in the decoder worker (both clocks are this machine's wall clock), median and p95; received =
 *     arrival → binary message in the worker, the no-decode floor; fps painted, frames skipped by the latency
 *     guard, decode errors;
 *   - station CPU per stream: the serve process's CPU time (/proc) while the console streams, minus the same
 *     window with the streams configured but silent (the simulated fleet's own load);
 *   - MSE/fMP4 (bench/video-mse.ts, bench/video-mse.html): this process takes the same frames from the
 *     station's `/ws/video`, remuxes them to fragmented MP4 (station/video/fmp4.ts, one frame per fragment) and
 *     relays them over a second loopback WebSocket to a page that plays them with MediaSource; presented =
 *     arrival in the station → requestVideoFrameCallback's presentationTime of the frame with that media time.
 *     This path has one extra loopback hop (the remux relay) and its time is included in the MSE figure. The
 *     console page is closed first; the MSE page is bare (only the videos), the console carries its map and UI.
 *   - ratio WebCodecs / MSE of median and p95 (below 1: WebCodecs is faster).
 * Cases: one 720p30 stream on the desk, one 1080p30 stream on the desk, four 720p30 streams on the wall.
 * Prints figures; asserts nothing. If this Chromium cannot play H.264 through MSE, the MSE line says so.
 */
import { chromium, type Page } from '@playwright/test';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeUdpPortPair } from '../tests/video/ffmpeg.js';
import { serve } from '../tests/e2e/station.js';
import { startMseRelay } from './video-mse.js';

const SECONDS = Number(process.argv[2] ?? 10);
const dir = mkdtempSync(join(tmpdir(), 'kx-video-bench-'));
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking'];

function encode(size: string): string {
  const file = join(dir, `${size}.mkv`);
  execFileSync('/usr/bin/ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30`, '-t', '10', '-c:v', 'libx264', '-tune', 'zerolatency', '-g', '30', '-x264-params', 'repeat-headers=1', '-y', file]);
  return file;
}

function send(file: string, port: number): ChildProcess {
  // The file repeats SPS/PPS at every keyframe (repeat-headers), so a looped stream keeps them in band.
  return spawn('/usr/bin/ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', file, '-c', 'copy', '-f', 'rtp', `rtp://127.0.0.1:${port}`], { stdio: 'ignore' });
}

function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, clock ticks (100 Hz)
}

interface Stats { fps: number; painted: number; decodeErrors: number; skipped: number; latencyMs: number[]; receiveMs: number[] }
/** window.kongxunMse[drone] in bench/video-mse.html. */
interface MseStats { codec: string; reason: string; appended: number; appendErrors: number; presented: number; dropped: number; seeks: number; latencyMs: number[]; displayMs: number[]; lagMs: number[]; unmatched: number }
const q = (a: number[], p: number) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
};

async function runCase(name: string, size: string, streams: number, view: 'desk' | 'wall'): Promise<void> {
  const file = encode(size);
  const ports = [];
  for (let i = 0; i < streams; i++) ports.push(await freeUdpPortPair());
  const drones = ports.map((_, i) => `JH-0${i + 1}`);
  const station = await serve(ports.flatMap((p, i) => ['--video', `${drones[i]}=rtp://127.0.0.1:${p}`]));
  const pid = station.proc.pid!;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const page: Page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  await page.goto(`${station.url}?view=${view}`);
  if (view === 'desk') await page.getByTestId('drone-JH-01').click();
  await wait(3000);
  const idle0 = cpuSeconds(pid);
  await wait(SECONDS * 1000);
  const idleCpu = cpuSeconds(pid) - idle0;
  const senders = ports.map((p) => send(file, p));
  await wait(3000);
  const c0 = cpuSeconds(pid);
  const read = () => page.evaluate((ds) => ds.map((d) => (window as unknown as { kongxunVideo?: Record<string, unknown> }).kongxunVideo?.[d] ?? null), drones) as Promise<(Stats | null)[]>;
  const before = await read();
  await wait(SECONDS * 1000);
  const busyCpu = cpuSeconds(pid) - c0;
  const after = await read();
  await page.close();

  // The MSE/fMP4 path on the same streams: station → this process (remux) → loopback WebSocket → MediaSource.
  const relay = await startMseRelay(station.url, drones);
  const mse = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  await mse.goto(relay.url);
  await wait(4000);
  const readMse = () => mse.evaluate((ds) => ds.map((d) => (window as unknown as { kongxunMse?: Record<string, unknown> }).kongxunMse?.[d] ?? null), drones) as Promise<(MseStats | null)[]>;
  const relaySkipped = () => [...relay.skipped.values()].reduce((a, x) => a + x, 0);
  const m0 = await readMse();
  const r0 = relaySkipped();
  await wait(SECONDS * 1000);
  const m1 = await readMse();
  const r1 = relaySkipped();
  for (const s of senders) s.kill('SIGKILL');
  await browser.close();
  await relay.close();
  station.stop();

  const n = Math.round(SECONDS * 30);
  const painted = after.flatMap((s) => s?.latencyMs.slice(-n) ?? []);
  const received = after.flatMap((s) => s?.receiveMs.slice(-n) ?? []);
  const fps = after.map((s, i) => ((s?.painted ?? 0) - (before[i]?.painted ?? 0)) / SECONDS);
  const skipped = after.reduce((a, s, i) => a + (s?.skipped ?? 0) - (before[i]?.skipped ?? 0), 0);
  const errors = after.reduce((a, s) => a + (s?.decodeErrors ?? 0), 0);
  const cpuPct = (100 * (busyCpu - idleCpu)) / SECONDS / streams;
  console.log(
    `${name.padEnd(18)} painted median ${q(painted, 0.5).toFixed(1)} ms, p95 ${q(painted, 0.95).toFixed(1)} ms | received median ${q(received, 0.5).toFixed(1)} ms, p95 ${q(received, 0.95).toFixed(1)} ms | ` +
      `fps ${fps.map((f) => f.toFixed(1)).join('/')} | skipped ${skipped} | decode errors ${errors} | station CPU ${cpuPct.toFixed(1)} %/stream (idle fleet ${((100 * idleCpu) / SECONDS).toFixed(1)} %)`,
  );

  const presented = m1.flatMap((s, i) => s?.latencyMs.slice(m0[i]?.latencyMs.length ?? 0) ?? []);
  const display = m1.flatMap((s, i) => s?.displayMs.slice(m0[i]?.displayMs.length ?? 0) ?? []);
  const lag = m1.flatMap((s, i) => s?.lagMs.slice(m0[i]?.lagMs.length ?? 0) ?? []);
  const reasons = [...new Set(m1.map((s) => s?.reason).filter((r) => r))];
  if (presented.length === 0) {
    console.log(`${''.padEnd(18)} MSE/fMP4 not measured: ${reasons.join('; ') || 'no frame was presented'}`);
    return;
  }
  const delta = (k: 'presented' | 'dropped' | 'seeks' | 'appendErrors' | 'unmatched') => m1.map((s, i) => (s?.[k] ?? 0) - (m0[i]?.[k] ?? 0));
  const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
  const [pm, pp, mm, mp] = [q(painted, 0.5), q(painted, 0.95), q(presented, 0.5), q(presented, 0.95)];
  console.log(
    `${''.padEnd(18)} MSE/fMP4 presented median ${mm.toFixed(1)} ms, p95 ${mp.toFixed(1)} ms (expected display median ${q(display, 0.5).toFixed(1)} ms) | playhead behind buffered end median ${q(lag, 0.5).toFixed(0)} ms | ` +
      `fps ${delta('presented').map((f) => (f / SECONDS).toFixed(1)).join('/')} | dropped ${sum(delta('dropped'))} | live-edge seeks ${sum(delta('seeks'))} | relay skipped ${r1 - r0} | ` +
      `append errors ${sum(delta('appendErrors'))} | unmatched ${sum(delta('unmatched'))}${reasons.length ? ` | ${reasons.join('; ')}` : ''}`,
  );
  console.log(`${''.padEnd(18)} WebCodecs / MSE: median ×${(pm / mm).toFixed(2)}, p95 ×${(pp / mp).toFixed(2)}`);
}

await runCase('720p30 ×1 (desk)', '1280x720', 1, 'desk');
await runCase('1080p30 ×1 (desk)', '1920x1080', 1, 'desk');
await runCase('720p30 ×4 (wall)', '1280x720', 4, 'wall');
