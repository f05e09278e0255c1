/// <reference lib="dom" />
/**
 * Test and bench helper: which source frame a viewer painted, read from the picture itself, so a path that
 * rewrites RTP timestamps (Janus rebases them per viewer) can still be matched to the frame's arrival in the
 * station. ffmpeg draws the frame number N (16 bits) as a row of 40×24 px blocks at the top of the picture
 * (white = 1, bit 0 leftmost); the station's recording index (DATA/video/*.idx.jsonl) gives each frame's arrival,
 * its `i` being N when the recording began with the source's first frame.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';

/** ffmpeg -vf: the frame number as 16 blocks (needs width ≥ 640). */
export const FRAME_CODE_VF = "geq=lum='if(lt(Y,24)*lt(X,640),255*mod(floor(N/pow(2,floor(X/40))),2),lum(X,Y))':cb='if(lt(Y,24)*lt(X,640),128,cb(X,Y))':cr='if(lt(Y,24)*lt(X,640),128,cr(X,Y))'";

/** Each frame of `drone` by number: its arrival in the station (Unix ms), from the first recording's index. */
export function stationArrivals(dataDir: string, drone: string): Map<number, number> {
  const dir = join(dataDir, 'video');
  const idx = readdirSync(dir).filter((f) => f.startsWith(drone) && f.endsWith('.idx.jsonl')).sort()[0];
  const out = new Map<number, number>();
  if (!idx) return out;
  for (const line of readFileSync(join(dir, idx), 'utf8').split('\n')) {
    if (!line) continue;
    const l = JSON.parse(line) as { i: number; arrivalMs: number };
    out.set(l.i, l.arrivalMs);
  }
  return out;
}

/** Starts reading the frame number of every frame a <video> presents; `window.kxFrameCodes` collects {n, presentedMs}. */
export async function readFrameCodes(page: Page, videoSelector: string): Promise<void> {
  // Under tsx (the benches) esbuild names inner functions with a helper the page does not have.
  await page.evaluate('window.__name = window.__name || ((f) => f)');
  await page.evaluate((sel) => {
    type Meta = { presentationTime: number; receiveTime?: number };
    const v = document.querySelector(sel) as HTMLVideoElement & { requestVideoFrameCallback(cb: (now: number, m: Meta) => void): number };
    const c = document.createElement('canvas');
    c.width = 640;
    c.height = 24;
    const g = c.getContext('2d', { willReadFrequently: true })!;
    const codes: { n: number; presentedMs: number; receivedMs: number | null }[] = [];
    (window as unknown as { kxFrameCodes: typeof codes }).kxFrameCodes = codes;
    // The picture read is the one composited in this rendering step (`now`), which under load can be newer than the
    // frame the metadata describes: its painted time is `now`, an upper bound within one display frame.
    const onFrame = (now: number, m: Meta) => {
      // The blocks are in the source's own pixels (the top-left 640×24), whatever its size.
      if (v.videoWidth >= 640) {
        g.drawImage(v, 0, 0, 640, 24, 0, 0, 640, 24);
        const d = g.getImageData(0, 0, 640, 24).data;
        let n = 0;
        for (let b = 0; b < 16; b++) if (d[(12 * 640 + b * 40 + 20) * 4]! > 128) n |= 1 << b;
        codes.push({ n, presentedMs: performance.timeOrigin + Math.max(now, m.presentationTime), receivedMs: m.receiveTime === undefined ? null : performance.timeOrigin + m.receiveTime });
      }
      v.requestVideoFrameCallback(onFrame);
    };
    v.requestVideoFrameCallback(onFrame);
  }, videoSelector);
}

/**
 * For every frame read whose number the station recorded (`period`: the source is a file of that many frames,
 * looped): painted (the rendering step that showed it) − arrival in the station (ms), and received (WebRTC's
 * receiveTime of the frame the callback was for: the same frame but under load) − arrival.
 */
export async function codedLatencies(page: Page, arrivals: Map<number, number>, from = 0, period = 0): Promise<{ painted: number[]; received: number[] }> {
  const codes = await page.evaluate(() => (window as unknown as { kxFrameCodes: { n: number; presentedMs: number; receivedMs: number | null }[] }).kxFrameCodes);
  const painted: number[] = [];
  const received: number[] = [];
  for (const c of codes.slice(from)) {
    // A looped file (`period` frames) draws n again every period: the latest such frame that had arrived.
    let a = period ? undefined : arrivals.get(c.n);
    for (let i = c.n; period && arrivals.has(i); i += period) if (arrivals.get(i)! <= c.presentedMs) a = arrivals.get(i);
    if (a === undefined) continue;
    painted.push(c.presentedMs - a);
    if (c.receivedMs !== null) received.push(c.receivedMs - a);
  }
  return { painted, received };
}
