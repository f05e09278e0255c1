/**
 * The UDP side of RTSP (RFC 2326 §12.39): the client's RTP/RTCP port pair (RTP on an even port, RTCP on the next,
 * RFC 3550 §11), the Transport header of a SETUP reply, and the receiver report the client sends the server's
 * RTCP port (it opens NAT bindings and tells servers such as live555 the client is alive).
 */
import { createSocket, type Socket, type SocketType } from 'node:dgram';
import { isIPv6 } from 'node:net';

export interface UdpPair {
  rtp: Socket;
  rtcp: Socket;
  /** The RTP port (even); RTCP is port + 1. */
  port: number;
}

function bindOne(type: SocketType, address: string, port: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const s = createSocket({ type, reuseAddr: false });
    s.once('error', () => {
      try {
        s.close();
      } catch {
        /* never bound */
      }
      resolve(undefined);
    });
    s.bind(port, address, () => {
      s.removeAllListeners('error');
      s.on('error', () => undefined);
      resolve(s);
    });
  });
}

/** A free even/odd port pair on `address` (the local address of the RTSP connection, or 0.0.0.0). */
export async function bindPortPair(address: string): Promise<UdpPair | undefined> {
  const type: SocketType = isIPv6(address) ? 'udp6' : 'udp4';
  for (let attempt = 0; attempt < 20; attempt++) {
    const a = await bindOne(type, address, 0);
    if (!a) return undefined;
    const p = a.address().port;
    const b = await bindOne(type, address, p % 2 === 0 ? p + 1 : p - 1);
    if (b) {
      // Large frames arrive as bursts of packets: a bigger receive buffer keeps the kernel from dropping them.
      const pair = p % 2 === 0 ? { rtp: a, rtcp: b, port: p } : { rtp: b, rtcp: a, port: p - 1 };
      try {
        pair.rtp.setRecvBufferSize(4 * 1024 * 1024);
      } catch {
        /* the kernel's limit applies */
      }
      return pair;
    }
    a.close();
  }
  return undefined;
}

export interface TransportReply {
  tcp: boolean;
  interleaved?: [number, number];
  serverPort?: [number, number];
  /** The address the server sends from, when not the RTSP server's. */
  source?: string;
}

/** The first transport of a SETUP reply's Transport header. */
export function parseTransport(value: string): TransportReply {
  const parts = (value.split(',')[0] ?? '').split(';').map((p) => p.trim());
  const param = (name: string) => parts.find((p) => p.toLowerCase().startsWith(`${name}=`))?.slice(name.length + 1);
  const pair = (name: string): [number, number] | undefined => {
    const m = /^(\d+)(?:-(\d+))?$/.exec(param(name) ?? '');
    return m ? [Number(m[1]), m[2] ? Number(m[2]) : Number(m[1]) + 1] : undefined;
  };
  const out: TransportReply = { tcp: /\/TCP$/i.test(parts[0] ?? '') };
  const interleaved = pair('interleaved');
  const serverPort = pair('server_port');
  const source = param('source');
  if (interleaved) out.interleaved = interleaved;
  if (serverPort) out.serverPort = serverPort;
  if (source) out.source = source;
  return out;
}

/** An RTCP receiver report without report blocks plus the SDES CNAME RFC 3550 §6.1 requires in a compound packet. */
export function receiverReport(ssrc: number, cname: string): Uint8Array {
  const name = Buffer.from(cname, 'utf8').subarray(0, 255);
  const chunk = Math.ceil((4 + 2 + name.length + 1) / 4) * 4; // SSRC, CNAME item, END, padding
  const b = new Uint8Array(8 + 4 + chunk);
  const v = new DataView(b.buffer);
  v.setUint8(0, 0x80);
  v.setUint8(1, 201);
  v.setUint16(2, 1);
  v.setUint32(4, ssrc);
  v.setUint8(8, 0x81);
  v.setUint8(9, 202);
  v.setUint16(10, chunk / 4);
  v.setUint32(12, ssrc);
  b[16] = 1;
  b[17] = name.length;
  b.set(name, 18);
  return b;
}
