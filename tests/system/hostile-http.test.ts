/**
 * The real `kongxun serve` process under the hostile requests of issue 14 (before: `GET /%` killed it with an
 * uncaught URIError, drones in the air and all). Each answer is checked, then the station must still be up and
 * serving its console to a signed-in user.
 */
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { addTestUser, signIn, withSession } from '../sign-in.js';
import { serveProcess, type ServeProcess } from '../serve-process.js';

let station: ServeProcess | undefined;
// Stopped and waited for: a station left behind once spun on its closed output and loaded the CI machine.
afterAll(() => station?.stop());

/** One raw request (connection: close) → the status line. */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => s.write(text));
    let got = '';
    s.on('data', (b) => (got += b.toString()));
    s.on('close', () => resolve(got.split('\r\n')[0] ?? ''));
    s.on('error', () => resolve(got.split('\r\n')[0] ?? 'socket error'));
    s.setTimeout(10_000, () => s.destroy());
  });
}

describe('kongxun serve under hostile requests', () => {
  it('answers each with a refusal and stays up', async () => {
    const data = mkdtempSync(join(tmpdir(), 'kx-hostile-'));
    await addTestUser(data, 'pilot');
    station = await serveProcess(['--data', data]);
    const { proc, url } = station;
    const port = Number(new URL(url).port);
    const host = `127.0.0.1:${port}`;
    const req = (line: string, headers = `host: ${host}\r\n`) => rawRequest(port, `${line}\r\n${headers}connection: close\r\n\r\n`);
    const tried: [string, string][] = [
      ['GET /%', await req('GET /% HTTP/1.1')],
      ['GET /%E0%A4%A', await req('GET /%E0%A4%A HTTP/1.1')],
      ['GET /api/flights/%', await req('GET /api/flights/% HTTP/1.1')],
      ['GET /plan-files/%ZZ', await req('GET /plan-files/%ZZ HTTP/1.1')],
      ['GET /%00', await req('GET /%00 HTTP/1.1')],
      ['GET with a rebound Host', await req('GET / HTTP/1.1', `host: evil.example:${port}\r\n`)],
      ['GET without Host', await req('GET / HTTP/1.1', '')],
      ['a request line of garbage', await rawRequest(port, 'BLAH\r\n\r\n')],
      ['a control byte in the path', await req('GET /\x01 HTTP/1.1')],
      ['POST /api/login, broken JSON', await rawRequest(port, `POST /api/login HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json\r\ncontent-length: 8\r\nconnection: close\r\n\r\n{"user":`)],
      ['POST /api/login, 1 MB body', await rawRequest(port, `POST /api/login HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json\r\ncontent-length: 1000000\r\nconnection: close\r\n\r\n{}`)],
      ['GET /api/snapshot without a session', await req('GET /api/snapshot HTTP/1.1')],
      ['WebSocket /ws without a session', await req('GET /ws HTTP/1.1', `host: ${host}\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n`)],
      ['WebSocket /ws/video from a foreign Origin', await req('GET /ws/video HTTP/1.1', `host: ${host}\r\norigin: http://evil.example\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n`)],
    ];
    expect(Object.fromEntries(tried)).toEqual({
      'GET /%': 'HTTP/1.1 400 Bad Request',
      'GET /%E0%A4%A': 'HTTP/1.1 400 Bad Request',
      'GET /api/flights/%': 'HTTP/1.1 400 Bad Request',
      'GET /plan-files/%ZZ': 'HTTP/1.1 400 Bad Request',
      'GET /%00': 'HTTP/1.1 400 Bad Request',
      'GET with a rebound Host': 'HTTP/1.1 403 Forbidden',
      'GET without Host': 'HTTP/1.1 400 Bad Request',
      'a request line of garbage': 'HTTP/1.1 400 Bad Request',
      'a control byte in the path': 'HTTP/1.1 400 Bad Request',
      'POST /api/login, broken JSON': 'HTTP/1.1 400 Bad Request',
      'POST /api/login, 1 MB body': 'HTTP/1.1 413 Payload Too Large',
      'GET /api/snapshot without a session': 'HTTP/1.1 401 Unauthorized',
      'WebSocket /ws without a session': 'HTTP/1.1 401 Unauthorized',
      'WebSocket /ws/video from a foreign Origin': 'HTTP/1.1 403 Forbidden',
    });
    console.log(`hostile requests tried:\n${tried.map(([what, got]) => `  ${what} → ${got}`).join('\n')}`);
    // Still up: a signed-in console gets its hello; nothing was reported as an internal error.
    expect(proc.exitCode).toBeNull();
    const cookie = await signIn(url, 'pilot');
    const ws = new WebSocket(`${url.replace('http', 'ws')}ws`, withSession(cookie));
    const first = await new Promise<string>((r) => ws.once('message', (d) => r(String(d))));
    ws.close();
    expect(JSON.parse(first)).toMatchObject({ type: 'hello', who: { user: 'pilot', role: 'pilot' } });
    expect(station.out()).not.toContain('INTERNAL ERROR');
  });
});
