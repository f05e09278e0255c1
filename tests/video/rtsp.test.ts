/**
 * The RTSP client (station/video/rtsp.ts) against the test server (rtsp-server.ts), real sockets on 127.0.0.1
 * only: RTP over UDP end to end with ffmpeg's libx264 frames (the recording plays, sender reports arrive on the
 * RTCP port, keyframe requests reach the server's second server_port), Digest and Basic authentication (a wrong
 * password is an "authentication failed" error, and the password shows in no log line or error), fallback
 * between TCP and UDP on 461, the keep-alive at half the session timeout, and TEARDOWN on close. The pure parts
 * first: Digest arithmetic against the RFCs' worked examples, challenges, URLs, Transport headers.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VideoHub } from '../../station/video/hub.js';
import { SystemClock } from '../../common/clock.js';
import type { IndexLine } from '../../station/video/recording.js';
import { openRtspSource, redactUrl, transportOrder, type RtspHooks } from '../../station/video/rtsp.js';
import { credentialsFromUrl, digestResponse, parseChallenges, requestUrl, RtspAuth } from '../../station/video/rtsp-auth.js';
import { parseTransport, receiverReport } from '../../station/video/rtsp-udp.js';
import { parseVideoUrl, type PacketSink } from '../../station/video/udp-source.js';
import { ffmpegRtp, ffprobeFrames, freeUdpPortPair } from './ffmpeg.js';
import { startRtspServer, type RtspServerOptions } from './rtsp-server.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const exited = (p: ReturnType<typeof spawn>) => new Promise((r) => (p.exitCode !== null ? r(p.exitCode) : p.on('exit', r)));
const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** Polls until `pred` holds; false after `ms`. */
async function until(pred: () => boolean, ms = 5000): Promise<boolean> {
  for (const t0 = Date.now(); !pred(); await wait(20)) if (Date.now() - t0 > ms) return false;
  return true;
}

async function server(o: Omit<RtspServerOptions, 'feedPort'> = {}) {
  const feedPort = await freeUdpPortPair();
  return { feedPort, srv: await startRtspServer({ feedPort, ...o }) };
}

/** A sink and hooks that count what the client delivers. */
function recorder() {
  const got = { rtp: 0, senderReports: 0, errors: [] as string[], logs: [] as string[] };
  const sink: PacketSink = { rtp: () => got.rtp++, rtcp: () => got.senderReports++ };
  const hooks: RtspHooks = { onParams: () => undefined, onError: (r) => got.errors.push(r), log: (l) => got.logs.push(l) };
  return { got, sink, hooks };
}

const withUser = (url: string, user: string, pass: string, scheme = 'rtsp') => url.replace(/^rtsp:\/\//, `${scheme}://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@`);
const played = (srv: { requests: { method: string; status: number }[] }) => () => srv.requests.some((r) => r.method === 'PLAY' && r.status === 200);
const rtcpTypes = (b: Buffer) => {
  const out: number[] = [];
  for (let off = 0; off + 4 <= b.length; off += (b.readUInt16BE(off + 2) + 1) * 4) out.push(b[off + 1]!);
  return out;
};

describe('RTSP pieces', () => {
  it('Digest responses match the worked examples of RFC 2617 §3.5 and RFC 7616 §3.9.1', () => {
    const rfc2617 = { user: 'Mufasa', pass: 'Circle Of Life', realm: 'testrealm@host.com', nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', method: 'GET', uri: '/dir/index.html' };
    expect(digestResponse({ ...rfc2617, qop: 'auth', nc: '00000001', cnonce: '0a4f113b' })).toBe('6629fae49393a05397450978507c4ef1');
    // The legacy form (RFC 2069, no qop) many cameras still send: H(HA1:nonce:HA2).
    expect(digestResponse(rfc2617)).toBe(md5(`${md5('Mufasa:testrealm@host.com:Circle Of Life')}:${rfc2617.nonce}:${md5('GET:/dir/index.html')}`));
    const rfc7616 = { user: 'Mufasa', pass: 'Circle of Life', realm: 'http-auth@example.org', nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v', method: 'GET', uri: '/dir/index.html', qop: 'auth' as const, nc: '00000001', cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ' };
    expect(digestResponse({ ...rfc7616, algorithm: 'MD5' })).toBe('8ca523f5e9506fed4657c9700eebdbec');
    expect(digestResponse({ ...rfc7616, algorithm: 'SHA-256' })).toBe('753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  });

  it('answers Digest over Basic, counts nonces, and starts over on a new nonce', () => {
    const ch = parseChallenges(['Basic realm="cam"', 'Digest realm="cam", nonce="n1", qop="auth,auth-int", opaque="o\\"1", stale=FALSE']);
    expect(ch.map((c) => c.scheme)).toEqual(['basic', 'digest']);
    expect(ch[1]!.params.get('opaque')).toBe('o"1');
    expect(parseChallenges(['Digest realm="a", nonce="b", Basic realm="c"']).map((c) => c.scheme)).toEqual(['digest', 'basic']);
    const auth = new RtspAuth({ user: 'op', pass: 'pw' });
    expect(auth.header('DESCRIBE', 'rtsp://cam/live')).toBeUndefined();
    expect(auth.accept(['Basic realm="cam"', 'Digest realm="cam", nonce="n1", qop="auth"'])).toBe(true);
    const field = (h: string, k: string) => new RegExp(`${k}="?([^",]*)`).exec(h)?.[1];
    const h1 = auth.header('DESCRIBE', 'rtsp://cam/live')!;
    const h2 = auth.header('SETUP', 'rtsp://cam/live/trackID=0')!;
    expect(h1).toMatch(/^Digest username="op", realm="cam", nonce="n1", uri="rtsp:\/\/cam\/live", response="[0-9a-f]{32}"/);
    expect([field(h1, 'nc'), field(h2, 'nc')]).toEqual(['00000001', '00000002']);
    expect(field(h1, 'response')).toBe(digestResponse({ user: 'op', pass: 'pw', realm: 'cam', nonce: 'n1', method: 'DESCRIBE', uri: 'rtsp://cam/live', qop: 'auth', nc: '00000001', cnonce: field(h1, 'cnonce')! }));
    // The same answer is not sent twice (account lockouts), unless the nonce changed or went stale.
    expect(auth.accept(['Digest realm="cam", nonce="n1", qop="auth"'], true)).toBe(false);
    expect(auth.accept(['Digest realm="cam", nonce="n1", qop="auth", stale=TRUE'], true)).toBe(true);
    expect(auth.accept(['Digest realm="cam", nonce="n2", qop="auth"'], true)).toBe(true);
    expect(field(auth.header('PLAY', 'rtsp://cam/live')!, 'nc')).toBe('00000001');
    // Basic only, and nothing to answer with.
    const basic = new RtspAuth({ user: 'op', pass: 'pw' });
    basic.accept(['Basic realm="cam"']);
    expect(basic.header('OPTIONS', '*')).toBe(`Basic ${Buffer.from('op:pw').toString('base64')}`);
    const none = new RtspAuth(undefined);
    expect(none.accept(['Basic realm="cam"'])).toBe(false);
    expect(none.explain('DESCRIBE', 'rtsp://cam/live')).toMatch(/needs a user name and password/);
    const ntlm = new RtspAuth({ user: 'op', pass: 'pw' });
    expect(ntlm.accept(['NTLM'])).toBe(false);
    expect(ntlm.explain('DESCRIBE', 'rtsp://cam/live')).toMatch(/does not speak \(ntlm;/);
  });

  it('URLs: credentials percent-decoded, redacted for display, stripped from requests; the scheme picks the transport', () => {
    expect(credentialsFromUrl('rtsp://ad%20min:p%40ss%3Aw%C3%B6rd%2F1@cam:554/live')).toEqual({ user: 'ad min', pass: 'p@ss:wörd/1' });
    expect(credentialsFromUrl('rtsp://cam/live')).toBeUndefined();
    expect(redactUrl('rtsp://admin:secret@10.0.0.1:554/live?channel=1')).toBe('rtsp://admin:***@10.0.0.1:554/live?channel=1');
    expect(redactUrl('rtsp://10.0.0.1/live')).toBe('rtsp://10.0.0.1/live');
    expect(redactUrl('rtp://0.0.0.0:5600')).toBe('rtp://0.0.0.0:5600');
    expect(redactUrl('rtsp://admin:p@ss@10.0.0.1/live')).toBe('rtsp://admin:***@10.0.0.1/live');
    expect(redactUrl('rtsp://admin:s3cret@[not-a-host/live')).toBe('rtsp://***@[not-a-host/live');
    expect(requestUrl('rtspu://admin:secret@10.0.0.1:8554/live?channel=1&subtype=0')).toBe('rtsp://10.0.0.1:8554/live?channel=1&subtype=0');
    expect(transportOrder('rtsp://cam/live')).toEqual(['tcp', 'udp']);
    expect(transportOrder('RTSPU://cam/live')).toEqual(['udp', 'tcp']);
    expect(transportOrder('rtspt://cam/live')).toEqual(['tcp']);
    for (const scheme of ['rtsp', 'rtspu', 'rtspt']) expect(parseVideoUrl(`${scheme}://cam/live`)).toMatchObject({ ok: true, value: { scheme: 'rtsp', host: 'cam', port: 554 } });
    const bad = parseVideoUrl('rtsp://admin:s3cret@[::1/live');
    expect(bad.ok).toBe(false);
    expect(JSON.stringify(bad)).not.toContain('s3cret');
    expect(JSON.stringify(parseVideoUrl('http://admin:s3cret@cam/live'))).not.toContain('s3cret');
  });

  it('reads SETUP replies and writes receiver reports', () => {
    expect(parseTransport('RTP/AVP;unicast;client_port=5000-5001;server_port=6970-6971;ssrc=1234ABCD;source=10.0.0.2')).toEqual({ tcp: false, serverPort: [6970, 6971], source: '10.0.0.2' });
    expect(parseTransport('RTP/AVP/UDP;unicast;client_port=5000-5001;server_port=6970')).toEqual({ tcp: false, serverPort: [6970, 6971] });
    expect(parseTransport('RTP/AVP/TCP;unicast;interleaved=2-3')).toEqual({ tcp: true, interleaved: [2, 3] });
    const rr = Buffer.from(receiverReport(0x11223344, 'kongxun'));
    expect(rtcpTypes(rr)).toEqual([201, 202]);
    expect(rr.length % 4).toBe(0);
    expect(rr.subarray(18, 25).toString()).toBe('kongxun');
  });
});

describe('RTSP over UDP', () => {
  it('rtspu:// plays over UDP end to end: frames recorded, sender reports on the RTCP port, keyframe requests to server_port + 1', async () => {
    const { feedPort, srv } = await server();
    const dataDir = mkdtempSync(join(tmpdir(), 'kx-rtsp-udp-'));
    const logs: string[] = [];
    const hub = await VideoHub.start({ clock: new SystemClock(), dataDir, sources: [{ drone: 'JH-03', url: srv.url.replace(/^rtsp:/, 'rtspu:') }], log: (l) => logs.push(l) });
    if (!hub.ok) throw new Error(hub.reason);
    expect(await until(played(srv))).toBe(true);
    const setup = srv.requests.find((r) => r.method === 'SETUP')!;
    expect(setup.uri).toBe(`${srv.url}/trackID=0`);
    const ports = /^RTP\/AVP;unicast;client_port=(\d+)-(\d+)$/.exec(setup.headers.get('transport') ?? '');
    expect(ports).not.toBeNull();
    expect(Number(ports![1]) % 2).toBe(0);
    expect(Number(ports![2])).toBe(Number(ports![1]) + 1);
    expect(logs.some((l) => /playing, RTP over UDP/.test(l))).toBe(true);
    // A receiver report reached the server's RTCP port before PLAY.
    expect(srv.rtcpIn.some((p) => p.via === 'udp' && rtcpTypes(p.packet).includes(201))).toBe(true);
    const ff = ffmpegRtp(feedPort, { size: '640x360', seconds: 2 });
    expect(await until(() => (hub.value.stats('JH-03')?.units ?? 0) >= 10)).toBe(true);
    // A console attaching mid-stream asks for a keyframe: PLI/FIR (PSFB, 206) to the second server port.
    const detach = hub.value.attach({ sendBinary: () => undefined, sendText: () => undefined }, ['JH-03']);
    expect(await until(() => srv.rtcpIn.some((p) => p.via === 'udp' && rtcpTypes(p.packet).includes(206)))).toBe(true);
    detach();
    await exited(ff);
    await wait(300);
    const s = hub.value.stats('JH-03')!;
    expect(s.units).toBe(60);
    expect(s.lost).toBe(0);
    await hub.value.close();
    expect(srv.methods().at(-1)).toBe('TEARDOWN');
    await srv.close();
    expect(ffprobeFrames(s.recording!)).toBe(60);
    // Sender reports came through the RTCP socket: frames have capture times.
    const index = readFileSync(s.recording!.replace(/\.ts$/, '.idx.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as IndexLine);
    expect(index).toHaveLength(60);
    expect(typeof index.at(-1)!.captureMs).toBe('number');
  });

  it('rtsp:// falls back to UDP when the server refuses interleaved TCP (461)', async () => {
    const { feedPort, srv } = await server({ transports: ['udp'] });
    const { got, sink, hooks } = recorder();
    const src = openRtspSource(srv.url, sink, hooks);
    if (!src.ok) throw new Error(src.reason);
    expect(await until(played(srv))).toBe(true);
    const setups = srv.requests.filter((r) => r.method === 'SETUP');
    expect(setups.map((r) => [r.headers.get('transport')?.split(';')[0], r.status])).toEqual([
      ['RTP/AVP/TCP', 461],
      ['RTP/AVP', 200],
    ]);
    expect(got.logs.some((l) => /refused RTP over TCP \(461 Unsupported Transport\); trying UDP/.test(l))).toBe(true);
    await exited(ffmpegRtp(feedPort, { size: '320x240', seconds: 1 }));
    expect(await until(() => got.rtp > 30 && got.senderReports > 0)).toBe(true);
    expect(got.errors.filter(Boolean)).toEqual([]);
    await src.value.close();
    await srv.close();
  });

  it('rtspu:// falls back to TCP when the server refuses UDP (461); rtspt:// never tries UDP', async () => {
    const { feedPort, srv } = await server({ transports: ['tcp'] });
    const { got, sink, hooks } = recorder();
    const src = openRtspSource(srv.url.replace(/^rtsp:/, 'rtspu:'), sink, hooks);
    if (!src.ok) throw new Error(src.reason);
    expect(await until(played(srv))).toBe(true);
    expect(srv.requests.filter((r) => r.method === 'SETUP').map((r) => [r.headers.get('transport')?.split(';')[0], r.status])).toEqual([
      ['RTP/AVP', 461],
      ['RTP/AVP/TCP', 200],
    ]);
    await exited(ffmpegRtp(feedPort, { size: '320x240', seconds: 1 }));
    expect(await until(() => got.rtp > 30 && got.senderReports > 0)).toBe(true);
    await src.value.close();
    await srv.close();

    const only = await server({ transports: ['udp'] });
    const r2 = recorder();
    const tcpOnly = openRtspSource(only.srv.url.replace(/^rtsp:/, 'rtspt:'), r2.sink, r2.hooks);
    if (!tcpOnly.ok) throw new Error(tcpOnly.reason);
    expect(await until(() => r2.got.errors.length > 0)).toBe(true);
    expect(r2.got.errors[0]).toMatch(/SETUP .* answered 461 Unsupported Transport/);
    expect(only.srv.requests.filter((r) => r.method === 'SETUP')).toHaveLength(1);
    await tcpOnly.value.close();
    await only.srv.close();
  });
});

describe('RTSP authentication', () => {
  it('Digest (qop=auth): plays through the hub, every request after the challenge answers it', async () => {
    const { feedPort, srv } = await server({ auth: { scheme: 'digest', user: 'pilot', pass: 'Tr0ub4dor&3', qop: true } });
    const dataDir = mkdtempSync(join(tmpdir(), 'kx-rtsp-digest-'));
    const logs: string[] = [];
    const hub = await VideoHub.start({ clock: new SystemClock(), dataDir, sources: [{ drone: 'JH-04', url: withUser(srv.url, 'pilot', 'Tr0ub4dor&3') }], log: (l) => logs.push(l) });
    if (!hub.ok) throw new Error(hub.reason);
    expect(await until(played(srv))).toBe(true);
    expect(srv.requests.map((r) => `${r.method} ${r.status}`).slice(0, 5)).toEqual(['OPTIONS 401', 'OPTIONS 200', 'DESCRIBE 200', 'SETUP 200', 'PLAY 200']);
    const answered = srv.requests.slice(1).map((r) => r.headers.get('authorization') ?? '');
    expect(answered.every((a) => a.startsWith('Digest username="pilot"'))).toBe(true);
    expect(answered.map((a) => /nc=(\w+)/.exec(a)?.[1])).toEqual(['00000001', '00000002', '00000003', '00000004']);
    // Request URIs and the Digest uri carry no userinfo.
    expect(srv.requests.every((r) => !r.uri.includes('pilot'))).toBe(true);
    await exited(ffmpegRtp(feedPort, { size: '320x240', seconds: 1 }));
    expect(await until(() => hub.value.stats('JH-04')!.units === 30)).toBe(true);
    expect(logs.join('\n')).not.toContain('Tr0ub4dor');
    expect(logs.join('\n')).toContain('pilot:***@');
    await hub.value.close();
    expect(srv.requests.at(-1)).toMatchObject({ method: 'TEARDOWN', status: 200 });
    await srv.close();
  });

  it('Digest without qop (the legacy form) and Basic with a percent-encoded password', async () => {
    const legacy = await server({ auth: { scheme: 'digest', user: 'admin', pass: '12345' } });
    const r1 = recorder();
    const a = openRtspSource(withUser(legacy.srv.url, 'admin', '12345'), r1.sink, r1.hooks);
    if (!a.ok) throw new Error(a.reason);
    expect(await until(played(legacy.srv))).toBe(true);
    const digest = legacy.srv.requests.at(-1)!.headers.get('authorization')!;
    expect(digest).toMatch(/^Digest /);
    expect(digest).not.toMatch(/qop|nc=|cnonce/);
    await a.value.close();
    await legacy.srv.close();

    const pass = 'p@ss:wörd/1 %';
    const basic = await server({ auth: { scheme: 'basic', user: 'op erator', pass } });
    const r2 = recorder();
    const b = openRtspSource(withUser(basic.srv.url, 'op erator', pass, 'rtspu'), r2.sink, r2.hooks);
    if (!b.ok) throw new Error(b.reason);
    expect(await until(played(basic.srv))).toBe(true);
    expect(basic.srv.requests.at(-1)!.headers.get('authorization')).toBe(`Basic ${Buffer.from(`op erator:${pass}`).toString('base64')}`);
    expect(b.value.describe()).toBe(`rtspu://op%20erator:***@127.0.0.1:${basic.srv.port}/live`);
    expect(r2.got.logs.join('\n')).not.toContain('p@ss');
    await b.value.close();
    await basic.srv.close();
  });

  it('a wrong password is an "authentication failed" error, not a crash, and the password shows nowhere', async () => {
    const { srv } = await server({ auth: { scheme: 'digest', user: 'pilot', pass: 'right-one', qop: true } });
    const dataDir = mkdtempSync(join(tmpdir(), 'kx-rtsp-badauth-'));
    const logs: string[] = [];
    const hub = await VideoHub.start({ clock: new SystemClock(), dataDir, sources: [{ drone: 'JH-05', url: withUser(srv.url, 'pilot', 'Wr0ngPassw0rd') }], log: (l) => logs.push(l) });
    if (!hub.ok) throw new Error(hub.reason);
    expect(await until(() => hub.value.status()[0]!.reason !== '')).toBe(true);
    const [st] = hub.value.status();
    expect(st).toMatchObject({ state: 'error' });
    expect(st!.reason).toMatch(/^rtsp: authentication failed for user "pilot" at rtsp:\/\/pilot:\*\*\*@127\.0\.0\.1:\d+\/live \(OPTIONS answered 401\)/);
    expect(st!.url).toMatch(/^rtsp:\/\/pilot:\*\*\*@127\.0\.0\.1:\d+\/live$/);
    expect(JSON.stringify(st)).not.toContain('Wr0ngPassw0rd');
    expect(logs.join('\n')).not.toContain('Wr0ngPassw0rd');
    // One challenge answered once: a request with the password, then the error, and no new login for a minute
    // (cameras lock accounts out after a few failed logins; a link failure retries after 2 s).
    expect(srv.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['OPTIONS 401', 'OPTIONS 401']);
    await wait(3000);
    expect(srv.requests.map((r) => `${r.method} ${r.status} ${r.headers.has('authorization')}`)).toEqual(['OPTIONS 401 false', 'OPTIONS 401 true']);
    expect(hub.value.status()[0]!.reason).toMatch(/authentication failed/);
    await hub.value.close();
    await srv.close();

    // No credentials at all: the error says what to give.
    const bare = await server({ auth: { scheme: 'basic', user: 'pilot', pass: 'x' } });
    const r = recorder();
    const src = openRtspSource(bare.srv.url, r.sink, r.hooks);
    if (!src.ok) throw new Error(src.reason);
    expect(await until(() => r.got.errors.length > 0)).toBe(true);
    expect(r.got.errors[0]).toMatch(/needs a user name and password \(OPTIONS answered 401\)/);
    await src.value.close();
    await bare.srv.close();
  });
});

describe('RTSP session upkeep', () => {
  it('keeps the session alive at half its timeout: GET_PARAMETER when the server lists it, else OPTIONS', async () => {
    for (const [publicMethods, method] of [
      [undefined, 'GET_PARAMETER'],
      ['OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN', 'OPTIONS'],
    ] as const) {
      const { srv } = await server({ timeout: 2, ...(publicMethods ? { publicMethods } : {}) });
      const { sink, hooks } = recorder();
      const src = openRtspSource(srv.url, sink, hooks);
      if (!src.ok) throw new Error(src.reason);
      expect(await until(played(srv))).toBe(true);
      const after = srv.requests.length;
      expect(await until(() => srv.requests.length > after, 1600)).toBe(true);
      expect(srv.requests[after]).toMatchObject({ method, uri: `${srv.url}/`, status: 200 });
      expect(srv.requests[after]!.headers.get('session')).toBe('12345678');
      await src.value.close();
      await srv.close();
    }
  });

  it('a keep-alive answered 454 Session Not Found starts over on a new connection 2 s later', async () => {
    const { srv } = await server({ timeout: 2, forgetSessions: true });
    const { got, sink, hooks } = recorder();
    const src = openRtspSource(srv.url, sink, hooks);
    if (!src.ok) throw new Error(src.reason);
    expect(await until(() => srv.requests.filter((r) => r.method === 'PLAY').length === 2, 5000)).toBe(true);
    expect(srv.requests.map((r) => `${r.method} ${r.status}`).slice(0, 9)).toEqual(['OPTIONS 200', 'DESCRIBE 200', 'SETUP 200', 'PLAY 200', 'GET_PARAMETER 454', 'OPTIONS 200', 'DESCRIBE 200', 'SETUP 200', 'PLAY 200']);
    expect(got.errors).toContain(`rtsp: ${srv.url}: GET_PARAMETER answered 454 Session Not Found`);
    expect(got.errors.at(-1)).toBe('');
    await src.value.close();
    await srv.close();
  });

  it('close() sends TEARDOWN for the session, frees the UDP ports and does not reconnect', async () => {
    const { srv } = await server();
    const { sink, hooks } = recorder();
    const src = openRtspSource(srv.url.replace(/^rtsp:/, 'rtspu:'), sink, hooks);
    if (!src.ok) throw new Error(src.reason);
    expect(await until(played(srv))).toBe(true);
    const port = Number(/client_port=(\d+)/.exec(srv.requests.find((r) => r.method === 'SETUP')!.headers.get('transport')!)![1]);
    await src.value.close();
    expect(srv.requests.at(-1)).toMatchObject({ method: 'TEARDOWN', uri: `${srv.url}/`, status: 200 });
    expect(srv.requests.at(-1)!.headers.get('session')).toBe('12345678');
    for (const p of [port, port + 1]) {
      const s = createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.bind(p, '127.0.0.1', () => resolve());
      });
      s.close();
    }
    const n = srv.requests.length;
    await wait(2300);
    expect(srv.requests.length).toBe(n);
    await srv.close();
  });
});
