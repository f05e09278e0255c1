/**
 * Files the console server sends as they are: the bundled renderer and the day plan's files (a path that leaves
 * its folder is a 404), and Janus's HTTP API relayed on the console's origin.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { refuse } from './http-guard.js';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.plan': 'application/json',
  '.waypoints': 'text/plain; charset=utf-8',
  '.geojson': 'application/geo+json',
  '.woff2': 'font/woff2',
};

export function serveStatic(dir: string, path: string, res: ServerResponse, headers: Record<string, string>): void {
  const rel = normalize(path === '/' ? '/index.html' : path).replace(/^([/\\])+/, '');
  const file = join(dir, rel);
  if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) return refuse(res, 404, 'not found', headers);
  // The console's font files sit under their package version (scripts/build.mjs): they never change in place.
  const immutable = /^fonts[/\\][\d.]+[/\\][\w-]+\.woff2$/.test(rel);
  res.writeHead(200, { ...headers, 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': immutable ? 'max-age=31536000, immutable' : 'no-cache' });
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}

/**
 * Janus's HTTP API relayed on the console's origin (GET long polls and POST requests, bodies ≤ 64 KiB): Janus
 * checks the token itself. Janus's base path is /janus too, so the path goes on unchanged.
 */
export function relayJanus(apiUrl: string, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'POST') return void res.writeHead(405, { allow: 'GET, POST' }).end();
  const target = new URL(req.url ?? '/janus', apiUrl);
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size > 65_536) {
      res.writeHead(413).end();
      req.destroy();
    } else chunks.push(c);
  });
  req.on('end', () => {
    if (res.headersSent) return;
    const up = httpRequest(target, { method: req.method, headers: { 'content-type': 'application/json' } }, (r) => {
      res.writeHead(r.statusCode ?? 502, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      r.pipe(res);
    });
    up.on('error', (e) => !res.headersSent && res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ janus: 'error', error: { code: 502, reason: `janus: ${e.message}` } })));
    res.on('close', () => up.destroy());
    up.end(Buffer.concat(chunks));
  });
}
