/**
 * The console's request handling, reached in-process with a fetch-style call (`(Request) => Promise<Response>`)
 * instead of over a socket: the desktop app's `kongxun://app/` scheme (electron/main.ts, protocol.handle) serves
 * its windows' pages and requests this way, so the app needs no open TCP port for its own window.
 *
 * The Request becomes the same IncomingMessage-shaped request and the answer the same ServerResponse-shaped sink
 * that the HTTP server hands to the one request handler (console-server.ts), so the guard, the routes and the
 * session check are the ones a browser on the LAN meets; only the transport differs. The body is read with a cap
 * (the largest request the console makes is a 64 KiB Janus relay; sign-in bodies 16 KiB): more is a 413 before the
 * handler sees any of it. The answer is collected whole (a file, a tile, a JSON list) and returned as a Response.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable, Writable } from 'node:stream';

/** The in-process scheme and host of the desktop app's windows. */
export const APP_SCHEME = 'kongxun';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** Request bodies over the in-process scheme are capped at this (the console's own need is ≤ 64 KiB). */
export const MAX_FETCH_BODY = 1024 * 1024;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A ServerResponse-shaped sink that collects the answer. */
class CollectedResponse extends Writable {
  statusCode = 200;
  headers: Record<string, string> = {};
  headersSent = false;
  readonly chunks: Buffer[] = [];

  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    cb();
  }

  writeHead(code: number, headers: Record<string, string | number | readonly string[]> = {}): this {
    this.statusCode = code;
    for (const [k, v] of Object.entries(headers)) this.headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
    this.headersSent = true;
    return this;
  }

  setHeader(name: string, value: string | number | readonly string[]): this {
    this.headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    return this;
  }
}

const NULL_BODY = new Set([101, 204, 205, 304]);

async function readCapped(request: Request, max: number): Promise<Buffer | 'too-large'> {
  if (!request.body) return Buffer.alloc(0);
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > max) {
    await request.body.cancel().catch(() => undefined);
    return 'too-large';
  }
  const reader = request.body.getReader();
  const parts: Buffer[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      return 'too-large';
    }
    parts.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }
  return Buffer.concat(parts);
}

/**
 * Runs `handler` for a fetch Request: the request target is the URL's path and query, `Host` is the URL's own
 * host (a header of that name in the Request is not believed), and the caller's address is `from`. Resolves with
 * the answer, or a 413 for a body over the cap.
 */
export async function fetchThrough(handler: Handler, request: Request, from: string, max = MAX_FETCH_BODY): Promise<Response> {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return new Response('bad request: the URL does not parse\n', { status: 400, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  }
  const body = await readCapped(request, max);
  if (body === 'too-large') return new Response(`the body is larger than ${max} bytes\n`, { status: 413, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  const headers: Record<string, string> = {};
  request.headers.forEach((v, k) => (headers[k.toLowerCase()] = v));
  headers.host = url.host;
  const req = Readable.from(body.length > 0 ? [body] : [], { objectMode: false }) as unknown as IncomingMessage;
  Object.assign(req, { method: request.method, url: `${url.pathname}${url.search}`, headers, socket: { remoteAddress: from } });
  const res = new CollectedResponse();
  return new Promise<Response>((resolve) => {
    let settled = false;
    const done = () => {
      if (settled) return;
      settled = true;
      const status = res.statusCode;
      // A handler that gave up (res.destroy()) before answering: a 502, as a proxy would say.
      if (!res.headersSent) return resolve(new Response('the station gave no answer\n', { status: 502, headers: { 'content-type': 'text/plain; charset=utf-8' } }));
      const bytes = Buffer.concat(res.chunks);
      const out = NULL_BODY.has(status) || request.method === 'HEAD' ? null : bytes;
      resolve(new Response(out, { status, headers: res.headers }));
    };
    res.on('finish', done);
    res.on('close', done);
    res.on('error', done);
    handler(req, res as unknown as ServerResponse);
  });
}
