/**
 * `npx tsx bench/video-latency.ts [seconds=10]` — live video latency and station CPU, measured end to end.
 *
 * ffmpeg sends pre-encoded libx264 test patterns (zerolatency, keyframe every 30) with `-c copy -re`, so the
 * encoder's CPU does not compete with what is measured, to `kongxun serve --video …`; the console runs in
 * Debian's Chromium (software decoding, 2-core machine). For each case:
 *   - painted: arrival of the frame's last packet in the station → drawn on the canvas in the decoder worker
 *     (both clocks are this machine's wall clock), median and p95;
 *   - received: arrival in the station → binary message received in the worker, the no-decode baseline (no
 *     MSE/fMP4 path is built to compare against);
 *   - fps painted, frames skipped by the latency guard, decode errors;
 *   - station CPU per stream: the serve process's CPU time (/proc) while streaming, minus the same window with
 *     the streams configured but silent (the simulated fleet's own load).
 * Cases: one 720p30 stream on the desk, one 1080p30 stream on the desk, four 720p30 streams on the wall.
 * Prints figures; asserts nothing.
 */
import { chromium, type Page } from '@playwright/test';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeUdpPortPair } from '../tests/video/ffmpeg.js';
import { serve } from '../tests/e2e/station.js';

const SECONDS = Number(process.argv[2] ?? 10);
const dir = mkdtempSync(join(tmpdir(), 'kx-video-bench-'));
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
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
  for (const s of senders) s.kill('SIGKILL');
  await browser.close();
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
}

await runCase('720p30 ×1 (desk)', '1280x720', 1, 'desk');
await runCase('1080p30 ×1 (desk)', '1920x1080', 1, 'desk');
await runCase('720p30 ×4 (wall)', '1280x720', 4, 'wall');
