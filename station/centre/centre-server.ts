/**
 * The centre's web console (`kongxun centre`): one page (centre-page.ts) and a small JSON API on 127.0.0.1.
 *
 *   GET  /                 the page (zh-CN first)
 *   GET  /leaflet/*        Leaflet from the installed package (no network)
 *   GET  /api/state        the centre's view: stations, fleets, alerts, requests and their answers
 *   GET  /api/stream       the same view as server-sent events, at most 2 a second, on each change
 *   GET  /api/picture/<station>/<file>   an alert's picture (JPEG) as the station sent it
 *   POST /api/ack          { key, by }                    acknowledge an alert
 *   POST /api/dispatch     { station | "nearest", latDeg, lonDeg, radiusM, priority, holdS, text, by }
 *   POST /api/instruct     { station, text, by }
 *   POST /api/video        { station, drone, by }   ask the station for the drone's live video (its Janus answers)
 *
 * Requests are bounded (16 KiB), schema-checked, and must come from the page's own origin (Host and Origin are
 * checked: another site in the operator's browser, or a DNS rebinding, cannot send a drone).
 * Sign-in and roles are not here yet: `by` is the name the operator typed, shown as such.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { err, ok, type Result } from '../../common/result.js';
import { nodeRequire } from '../node-require.js';
import type { Centre } from './centre.js';
import { CENTRE_PAGE } from './centre-page.js';
import { check, type Schema } from './schema.js';

export interface CentreServer { url: string; port: number; close(): Promise<void> }

const BY: Schema = { type: 'string', minLength: 1, maxLength: 100 };
const STATION: Schema = { type: 'string', pattern: '^([A-Za-z0-9_-]{1,64})$' };
const ACK: Schema = { type: 'object', additionalProperties: false, required: ['key', 'by'], properties: { key: { type: 'string', maxLength: 200 }, by: BY } };
const DISPATCH_IN: Schema = {
  type: 'object', additionalProperties: false, required: ['station', 'latDeg', 'lonDeg', 'radiusM', 'priority', 'holdS', 'by'],
  properties: { station: STATION, latDeg: { type: 'number', minimum: -90, maximum: 90 }, lonDeg: { type: 'number', minimum: -180, maximum: 180 }, radiusM: { type: 'number', minimum: 0, maximum: 500 }, priority: { type: 'integer', minimum: 0, maximum: 10 }, holdS: { type: 'number', minimum: 0, maximum: 3600 }, text: { type: 'string', maxLength: 500 }, by: BY },
};
const VIDEO_IN: Schema = { type: 'object', additionalProperties: false, required: ['station', 'drone', 'by'], properties: { station: STATION, drone: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' }, by: BY } };
const INSTRUCT_IN: Schema = { type: 'object', additionalProperties: false, required: ['station', 'text', 'by'], properties: { station: STATION, text: { type: 'string', minLength: 1, maxLength: 1000 }, by: BY } };

const LEAFLET: Record<string, string> = { 'leaflet.js': 'text/javascript', 'leaflet.css': 'text/css', 'images/marker-icon.png': 'image/png', 'images/marker-icon-2x.png': 'image/png', 'images/marker-shadow.png': 'image/png', 'images/layers.png': 'image/png', 'images/layers-2x.png': 'image/png' };

async function body(req: IncomingMessage): Promise<Result<unknown>> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > 16 * 1024) return err('too-large', 'request body over 16 KiB');
    chunks.push(c);
  }
  try {
    return ok(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown);
  } catch {
    return err('json', 'the body is not JSON');
  }
}

export async function startCentreServer(o: { centre: Centre; host?: string; port?: number }): Promise<Result<CentreServer>> {
  const host = o.host ?? '127.0.0.1';
  let port = o.port ?? 8090;
  const leafletDir = dirname(nodeRequire().resolve('leaflet/dist/leaflet.js'));
  const streams = new Set<ServerResponse>();
  let pending: ReturnType<typeof setTimeout> | undefined;
  let lastSent = 0;
  const push = () => {
    if (pending) return;
    const wait = Math.max(0, 500 - (Date.now() - lastSent));
    pending = setTimeout(() => {
      pending = undefined;
      lastSent = Date.now();
      const data = `data: ${JSON.stringify(o.centre.view())}\n\n`;
      for (const s of streams) s.write(data);
    }, wait);
  };
  const off = o.centre.onChange(push);
  const send = (res: ServerResponse, code: number, x: unknown) => {
    res.writeHead(code, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify(x));
  };
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      // Only this console's own address: a DNS-rebinding page names another host.
      const okHost = new Set([`${host}:${port}`, `127.0.0.1:${port}`, `localhost:${port}`]);
      if (!okHost.has(req.headers.host ?? '')) return send(res, 421, { error: 'wrong host' });
      if (req.method === 'GET') {
        if (url.pathname === '/') {
          // connect-src: a drone's video is played from the station's own Janus, whose address the station's answer names.
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; connect-src 'self' http: https:" });
          return res.end(CENTRE_PAGE);
        }
        const lf = url.pathname.startsWith('/leaflet/') ? url.pathname.slice('/leaflet/'.length) : null;
        if (lf !== null && LEAFLET[lf]) {
          res.writeHead(200, { 'content-type': LEAFLET[lf], 'cache-control': 'max-age=3600' });
          return res.end(await readFile(join(leafletDir, lf)));
        }
        if (url.pathname === '/api/state') return send(res, 200, o.centre.view());
        const pic = /^\/api\/picture\/([A-Za-z0-9_-]{1,64})\/([A-Za-z0-9_.-]{1,100})$/.exec(url.pathname);
        if (pic) {
          const p = o.centre.picture(pic[1]!, pic[2]!);
          if (!p) return send(res, 404, { error: 'no such picture (not arrived, or no longer kept)' });
          res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': p.jpeg.length, 'cache-control': 'private, max-age=3600', 'x-content-type-options': 'nosniff' });
          return res.end(p.jpeg);
        }
        if (url.pathname === '/api/stream') {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
          res.write(`data: ${JSON.stringify(o.centre.view())}\n\n`);
          streams.add(res);
          req.on('close', () => streams.delete(res));
          return;
        }
        return send(res, 404, { error: 'not found' });
      }
      if (req.method !== 'POST') return send(res, 405, { error: 'method not allowed' });
      const origin = req.headers.origin;
      if (origin === undefined || !okHost.has(origin.replace(/^http:\/\//, ''))) return send(res, 403, { error: 'requests come only from this console' });
      const b = await body(req);
      if (!b.ok) return send(res, 400, { error: b.reason });
      const x = b.value as Record<string, unknown>;
      if (url.pathname === '/api/ack') {
        const c = check(ACK, x);
        if (!c.ok) return send(res, 400, { error: c.reason });
        const r = o.centre.ack(x.key as string, x.by as string);
        return r.ok ? send(res, 200, { ok: true }) : send(res, 404, { error: r.reason });
      }
      if (url.pathname === '/api/dispatch') {
        const c = check(DISPATCH_IN, x);
        if (!c.ok) return send(res, 400, { error: c.reason });
        let station = x.station as string;
        if (station === 'nearest') {
          const n = o.centre.nearestStation(x.latDeg as number, x.lonDeg as number);
          if (!n) return send(res, 409, { error: '没有在线的站点有可用的无人机 · no online station has a drone with a position' });
          station = n.station;
        }
        if (!o.centre.station(station)) return send(res, 404, { error: `no station ${station}` });
        const r = o.centre.dispatch(station, { latDeg: x.latDeg as number, lonDeg: x.lonDeg as number, radiusM: x.radiusM as number, priority: x.priority as number, holdS: x.holdS as number, text: (x.text as string | undefined) ?? '' }, x.by as string);
        return r.ok ? send(res, 200, { id: r.value, station }) : send(res, 503, { error: r.reason });
      }
      if (url.pathname === '/api/instruct') {
        const c = check(INSTRUCT_IN, x);
        if (!c.ok) return send(res, 400, { error: c.reason });
        if (!o.centre.station(x.station as string)) return send(res, 404, { error: `no station ${x.station as string}` });
        const r = o.centre.instruct(x.station as string, x.text as string, x.by as string);
        return r.ok ? send(res, 200, { id: r.value }) : send(res, 503, { error: r.reason });
      }
      if (url.pathname === '/api/video') {
        const c = check(VIDEO_IN, x);
        if (!c.ok) return send(res, 400, { error: c.reason });
        if (!o.centre.station(x.station as string)) return send(res, 404, { error: `no station ${x.station as string}` });
        const r = o.centre.requestVideo(x.station as string, x.drone as string, x.by as string);
        return r.ok ? send(res, 200, { id: r.value }) : send(res, 503, { error: r.reason });
      }
      return send(res, 404, { error: 'not found' });
    })().catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, { error: (e as Error).message });
      else res.end();
    });
  });
  const listening = await new Promise<Result<void>>((res) => {
    server.once('error', (e) => res(err('listen', `${host}:${port}: ${e.message}`)));
    server.listen(port, host, () => res(ok(undefined)));
  });
  if (!listening.ok) return listening;
  port = (server.address() as { port: number }).port;
  return ok({
    url: `http://${host}:${port}/`,
    port,
    close: async () => {
      off();
      if (pending) clearTimeout(pending);
      for (const s of streams) s.end();
      await new Promise<void>((r) => server.close(() => r()));
    },
  });
}
