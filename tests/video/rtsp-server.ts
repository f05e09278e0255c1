/**
 * A small RTSP server for tests, fed by ffmpeg's RTP output (`ffmpegRtp(feedPort)`: RTP to feedPort, RTCP sender
 * reports to feedPort + 1), on 127.0.0.1 only. It answers OPTIONS, DESCRIBE, SETUP, PLAY, GET_PARAMETER and
 * TEARDOWN and relays the feed to each playing client: interleaved on the TCP connection (the channels the client
 * asked for) or over UDP (to its client_port pair, from the server's own even/odd pair named in server_port).
 * It can refuse a transport with 461 Unsupported Transport and challenge with Basic or Digest (qop=auth, or the
 * legacy form without qop), checking answers with its own arithmetic rather than the client's. Every request,
 * the status it got, and every RTCP packet a client sends the server are recorded for the tests to inspect.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type AddressInfo, type Socket } from 'node:net';

export type Lower = 'tcp' | 'udp';

export interface RtspServerOptions {
  /** Where ffmpeg sends RTP (RTCP to feedPort + 1). */
  feedPort: number;
  /** Transports SETUP accepts; others are answered 461. Default both. */
  transports?: Lower[];
  /** Challenge every request (OPTIONS included) until it carries these credentials. */
  auth?: { scheme: 'basic' | 'digest'; user: string; pass: string; qop?: boolean };
  /** Session timeout announced by SETUP, seconds (default 60). */
  timeout?: number;
  /** OPTIONS' Public header. */
  publicMethods?: string;
  /** Answer keep-alives (GET_PARAMETER, OPTIONS with a Session) 454 Session Not Found, as after a restart. */
  forgetSessions?: boolean;
}

export interface RtspRequest {
  method: string;
  uri: string;
  headers: Map<string, string>;
  /** The status the server answered. */
  status: number;
}

export interface TestRtspServer {
  /** rtsp://127.0.0.1:PORT/live */
  url: string;
  port: number;
  requests: RtspRequest[];
  /** RTCP packets clients sent: on the interleaved RTCP channel or to the server's UDP RTCP port. */
  rtcpIn: { via: Lower; packet: Buffer }[];
  /** The server's UDP ports of each UDP SETUP (RTP, RTCP). */
  serverPorts: [number, number][];
  methods(): string[];
  close(): Promise<void>;
}

const REALM = 'kongxun-test';
const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');

interface Client {
  sock: Socket;
  playing: boolean;
  tcp?: [number, number];
  udp?: { rtp: UdpSocket; rtcp: UdpSocket; to: [number, number] };
}

function bindUdp(port: number): Promise<UdpSocket | undefined> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(undefined));
    s.bind(port, '127.0.0.1', () => resolve(s));
  });
}

async function bindPair(): Promise<[UdpSocket, UdpSocket]> {
  for (;;) {
    const a = await bindUdp(0);
    if (!a) throw new Error('rtsp-server: cannot bind UDP');
    const p = a.address().port;
    if (p % 2 === 0) {
      const b = await bindUdp(p + 1);
      if (b) return [a, b];
    }
    a.close();
  }
}

export async function startRtspServer(o: RtspServerOptions): Promise<TestRtspServer> {
  const transports = o.transports ?? ['tcp', 'udp'];
  const nonce = randomBytes(12).toString('hex');
  const opaque = randomBytes(6).toString('hex');
  const clients = new Set<Client>();
  const requests: RtspRequest[] = [];
  const rtcpIn: TestRtspServer['rtcpIn'] = [];
  const serverPorts: [number, number][] = [];
  const feedRtp = await bindUdp(o.feedPort);
  const feedRtcp = await bindUdp(o.feedPort + 1);
  if (!feedRtp || !feedRtcp) {
    feedRtp?.close();
    feedRtcp?.close();
    throw new Error(`rtsp-server: feed port ${o.feedPort} or ${o.feedPort + 1} is taken`);
  }

  const relay = (which: 0 | 1, m: Buffer) => {
    for (const c of clients) {
      if (!c.playing) continue;
      if (c.tcp) c.sock.write(Buffer.concat([Buffer.from([0x24, c.tcp[which], m.length >> 8, m.length & 0xff]), m]));
      else if (c.udp) (which === 0 ? c.udp.rtp : c.udp.rtcp).send(m, c.udp.to[which], '127.0.0.1');
    }
  };
  feedRtp.on('message', (m) => relay(0, m));
  feedRtcp.on('message', (m) => relay(1, m));

  const authorized = (method: string, uri: string, h: Map<string, string>): boolean => {
    const a = o.auth;
    if (!a) return true;
    const given = h.get('authorization') ?? '';
    if (a.scheme === 'basic') return given === `Basic ${Buffer.from(`${a.user}:${a.pass}`, 'utf8').toString('base64')}`;
    if (!given.startsWith('Digest ')) return false;
    const f = new Map<string, string>();
    for (const m of given.slice(7).matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) f.set(m[1]!, m[2] ?? m[3] ?? '');
    if (f.get('username') !== a.user || f.get('realm') !== REALM || f.get('nonce') !== nonce || f.get('uri') !== uri) return false;
    const ha1 = md5(`${a.user}:${REALM}:${a.pass}`);
    const ha2 = md5(`${method}:${uri}`);
    if (!a.qop) return f.get('response') === md5(`${ha1}:${nonce}:${ha2}`);
    return f.get('qop') === 'auth' && f.get('opaque') === opaque && /^[0-9a-f]{8}$/.test(f.get('nc') ?? '') && f.get('response') === md5(`${ha1}:${nonce}:${f.get('nc')}:${f.get('cnonce')}:auth:${ha2}`);
  };
  const challenge = (): string[] => {
    const a = o.auth!;
    if (a.scheme === 'basic') return [`WWW-Authenticate: Basic realm="${REALM}"`];
    const digest = a.qop ? `Digest realm="${REALM}", nonce="${nonce}", qop="auth", opaque="${opaque}", algorithm=MD5` : `Digest realm="${REALM}", nonce="${nonce}"`;
    // Basic offered too, as many cameras do: a client should prefer Digest (this server takes only Digest).
    return [`WWW-Authenticate: ${digest}`, `WWW-Authenticate: Basic realm="${REALM}"`];
  };

  const srv = createServer((sock) => {
    const client: Client = { sock, playing: false };
    clients.add(client);
    let buf = Buffer.alloc(0);
    const base = () => `rtsp://127.0.0.1:${(srv.address() as AddressInfo).port}/live/`;
    const reply = (cseq: string, status: number, text: string, headers: string[] = [], body = '') => {
      const h = [`RTSP/1.0 ${status} ${text}`, `CSeq: ${cseq}`, ...headers, ...(body ? [`Content-Length: ${Buffer.byteLength(body)}`] : [])];
      sock.write(`${h.join('\r\n')}\r\n\r\n${body}`);
    };
    const handle = async (method: string, uri: string, h: Map<string, string>) => {
      const cseq = h.get('cseq') ?? '0';
      const req: RtspRequest = { method, uri, headers: h, status: 0 };
      requests.push(req);
      const answer = (status: number, text: string, headers: string[] = [], body = '') => {
        req.status = status;
        reply(cseq, status, text, headers, body);
      };
      if (!authorized(method, uri, h)) return answer(401, 'Unauthorized', challenge());
      if (o.forgetSessions && h.has('session') && (method === 'GET_PARAMETER' || method === 'OPTIONS')) return answer(454, 'Session Not Found');
      if (method === 'OPTIONS') return answer(200, 'OK', [`Public: ${o.publicMethods ?? 'OPTIONS, DESCRIBE, SETUP, PLAY, GET_PARAMETER, TEARDOWN'}`]);
      if (method === 'DESCRIBE') {
        const sdp = 'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=test\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\na=control:trackID=0\r\n';
        return answer(200, 'OK', [`Content-Base: ${base()}`, 'Content-Type: application/sdp'], sdp);
      }
      const session = [`Session: 12345678;timeout=${o.timeout ?? 60}`];
      if (method === 'SETUP') {
        const t = h.get('transport') ?? '';
        const lower: Lower = /RTP\/AVP\/TCP/i.test(t) ? 'tcp' : 'udp';
        if (!transports.includes(lower)) return answer(461, 'Unsupported Transport');
        if (lower === 'tcp') {
          const m = /interleaved=(\d+)-(\d+)/.exec(t);
          client.tcp = m ? [Number(m[1]), Number(m[2])] : [0, 1];
          return answer(200, 'OK', [`Transport: RTP/AVP/TCP;unicast;interleaved=${client.tcp.join('-')}`, ...session]);
        }
        const m = /client_port=(\d+)-(\d+)/.exec(t);
        if (!m) return answer(400, 'Bad Request');
        const [rtp, rtcp] = await bindPair();
        rtcp.on('message', (packet) => rtcpIn.push({ via: 'udp', packet }));
        client.udp = { rtp, rtcp, to: [Number(m[1]), Number(m[2])] };
        serverPorts.push([rtp.address().port, rtcp.address().port]);
        return answer(200, 'OK', [`Transport: RTP/AVP;unicast;client_port=${m[1]}-${m[2]};server_port=${rtp.address().port}-${rtcp.address().port}`, ...session]);
      }
      if (method === 'PLAY') {
        client.playing = true;
        return answer(200, 'OK', [session[0]!.split(';')[0]!]);
      }
      if (method === 'TEARDOWN') {
        client.playing = false;
        closeUdp(client);
        return answer(200, 'OK');
      }
      if (method === 'GET_PARAMETER') return answer(200, 'OK', [session[0]!.split(';')[0]!]);
      return answer(501, 'Not Implemented');
    };
    // Requests are handled one at a time, in order, like a real server's.
    let queue = Promise.resolve();
    sock.on('error', () => undefined);
    sock.on('close', () => {
      clients.delete(client);
      closeUdp(client);
    });
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        if (buf.length >= 4 && buf[0] === 0x24) {
          const len = buf.readUInt16BE(2);
          if (buf.length < 4 + len) return;
          if (client.tcp && buf[1] === client.tcp[1]) rtcpIn.push({ via: 'tcp', packet: Buffer.from(buf.subarray(4, 4 + len)) });
          buf = buf.subarray(4 + len);
          continue;
        }
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const lines = buf.subarray(0, end).toString('utf8').split('\r\n');
        buf = buf.subarray(end + 4);
        const [method, uri] = lines[0]!.split(' ');
        const h = new Map<string, string>();
        for (const l of lines.slice(1)) {
          const c = l.indexOf(':');
          if (c > 0) h.set(l.slice(0, c).trim().toLowerCase(), l.slice(c + 1).trim());
        }
        queue = queue.then(() => handle(method!, uri!, h));
      }
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as AddressInfo).port;
  return {
    url: `rtsp://127.0.0.1:${port}/live`,
    port,
    requests,
    rtcpIn,
    serverPorts,
    methods: () => requests.map((r) => r.method),
    close: async () => {
      feedRtp.close();
      feedRtcp.close();
      for (const c of clients) {
        closeUdp(c);
        c.sock.destroy();
      }
      await new Promise<void>((r) => srv.close(() => r()));
    },
  };
}

function closeUdp(c: Client): void {
  c.udp?.rtp.close();
  c.udp?.rtcp.close();
  delete c.udp;
}
