/**
 * The MSE/fMP4 path of bench/video-latency.ts, the comparison the issue asks for: this process connects to
 * the station's `/ws/video?drone=ID` as any console does, remuxes each frame to fMP4 (station/video/fmp4.ts,
 * one frame per fragment) and relays the init segment and fragments over a second loopback WebSocket to
 * bench/video-mse.html, which plays them with MediaSource and measures arrival in the station → presented
 * (requestVideoFrameCallback). The relay is one extra hop that the WebCodecs path does not take; its time
 * is inside the MSE figure. Like the station and the decoder worker, the relay skips to the next keyframe
 * when its socket to the page backs up (a latency guard), and counts what it skipped.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { codecFromConfig, parseFrame } from '../common/video-wire.js';
import { Fmp4Muxer, initSegment, parameterSets } from '../station/video/fmp4.js';

const PAGE = readFileSync(new URL('./video-mse.html', import.meta.url));
const MAX_PAGE_BUFFER = 1_000_000;

export interface MseRelay {
  /** The player page for these drones. */
  url: string;
  /** Frames the relay skipped (waiting for a keyframe after a backlog or damage), per drone. */
  skipped: Map<string, number>;
  close(): Promise<void>;
}

function header(kind: number, arrivalMs: number, tick: number): Buffer {
  const h = Buffer.alloc(17);
  h.writeUInt8(kind, 0);
  h.writeDoubleBE(arrivalMs, 1);
  h.writeDoubleBE(tick, 9);
  return h;
}

export async function startMseRelay(stationUrl: string, drones: string[]): Promise<MseRelay> {
  const skipped = new Map(drones.map((d) => [d, 0]));
  const upstreams = new Set<WebSocket>();
  const http = createServer((req, res) => {
    if ((req.url ?? '').split('?')[0] === '/') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    else res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ server: http, path: '/relay' });
  wss.on('connection', (page, req) => {
    const drone = new URL(req.url ?? '', 'http://x').searchParams.get('drone') ?? '';
    const station = new WebSocket(`${stationUrl.replace(/^http/, 'ws').replace(/\/$/, '')}/ws/video?drone=${encodeURIComponent(drone)}`);
    upstreams.add(station);
    const mux = new Fmp4Muxer();
    let config = '';
    let waitKey = true;
    station.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary || page.readyState !== page.OPEN) return;
      const fr = parseFrame(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer);
      if (!fr || fr.drone !== drone) return;
      if (fr.codec !== 'h264') return page.send(JSON.stringify({ error: `${fr.codec}: not remuxed` }));
      if (fr.damaged || page.bufferedAmount > MAX_PAGE_BUFFER) waitKey = true;
      if (fr.keyframe && fr.config && !fr.damaged) {
        const key = Buffer.from(fr.config).toString('hex');
        const ps = parameterSets(fr.config);
        if (key !== config && ps) {
          config = key;
          page.send(JSON.stringify({ codec: codecFromConfig(fr.config) }));
          page.send(Buffer.concat([header(0, fr.arrivalMs, 0), initSegment(ps.sps, ps.pps)]));
        }
      }
      if (!config || (waitKey && !(fr.keyframe && !fr.damaged))) {
        skipped.set(drone, (skipped.get(drone) ?? 0) + 1);
        return;
      }
      waitKey = false;
      const ts90k = Math.round((fr.timestampUs * 90) / 1000);
      const fragment = mux.fragment({ data: fr.data, keyframe: fr.keyframe, ts90k });
      page.send(Buffer.concat([header(1, fr.arrivalMs, mux.decodeTime(ts90k)), fragment]));
    });
    station.on('error', () => station.terminate());
    page.on('close', () => station.close());
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const port = (http.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?${drones.map((d) => `drone=${encodeURIComponent(d)}`).join('&')}`,
    skipped,
    close: async () => {
      for (const s of upstreams) s.terminate();
      for (const c of wss.clients) c.terminate();
      wss.close();
      await new Promise((r) => http.close(r));
    },
  };
}
