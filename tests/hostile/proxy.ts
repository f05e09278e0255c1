/**
 * A hostile drone proxy: a small TCP program between the station and a simulated drone (sitl/ on a real
 * port), on 127.0.0.1. What the station sends passes through untouched; what the drone sends is parsed frame
 * by frame and handed to `rewrite`, which may pass a message on (undefined), replace it with others ([]
 * drops it), so the drone can lie about offsets, names and values. `inject` sends frames of its own (floods).
 */
import net from 'node:net';
import { FrameParser, encodeV2, type MavFrame } from '../../mavlink/codec/frame.js';
import { decodePayload, encodePayload, type MavLinkData } from '../../mavlink/codec/messages.js';

export type Rewrite = (message: MavLinkData, frame: MavFrame) => MavLinkData[] | undefined;

export class HostileProxy {
  private readonly sockets = new Set<net.Socket>();
  private toStation: net.Socket | undefined;
  private seq = 0;
  rewrite: Rewrite = () => undefined;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(upstreamPort: number): Promise<HostileProxy> {
    const ref: { self?: HostileProxy } = {};
    const server = net.createServer((station) => ref.self?.accept(station, upstreamPort));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    ref.self = new HostileProxy(server, (server.address() as net.AddressInfo).port);
    return ref.self;
  }

  get url(): string {
    return `tcpout://127.0.0.1:${this.port}`;
  }

  private accept(station: net.Socket, upstreamPort: number): void {
    const drone = net.connect(upstreamPort, '127.0.0.1');
    this.sockets.add(station).add(drone);
    this.toStation = station;
    const parser = new FrameParser();
    station.on('data', (b) => drone.write(b));
    drone.on('data', (b) => {
      for (const f of parser.push(new Uint8Array(b.buffer, b.byteOffset, b.byteLength))) {
        const m = f.known ? decodePayload(f.msgid, f.payload) : undefined;
        const out = m ? this.rewrite(m, f) : undefined;
        if (out === undefined) station.write(f.raw);
        else for (const x of out) station.write(this.encode(x, f.sysid, f.compid));
      }
    });
    const end = (): void => {
      station.destroy();
      drone.destroy();
    };
    station.on('error', end).on('close', end);
    drone.on('error', end).on('close', end);
  }

  encode(m: MavLinkData, sysid = 1, compid = 1): Uint8Array {
    const { msgid, crcExtra, payload } = encodeLying(m);
    return encodeV2({ seq: this.seq++ & 0xff, sysid, compid }, msgid, crcExtra, payload);
  }

  /** Send frames to the station as the drone; resolves when the socket has taken them. */
  inject(frames: Uint8Array[]): Promise<void> {
    const s = this.toStation;
    if (!s) return Promise.resolve();
    return new Promise((r) => s.write(Buffer.concat(frames), () => r()));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

type FieldInfo = { name: string; type: string; offset: number };

/**
 * Our own writer refuses Infinity in a float field (it is never sent by the station); a lying drone sends it
 * anyway. The message is encoded with those fields at 0, then their IEEE-754 bytes are written in place.
 */
function encodeLying(m: MavLinkData): ReturnType<typeof encodePayload> {
  const fields = (m.constructor as unknown as { FIELDS: FieldInfo[] }).FIELDS;
  const rec = m as unknown as Record<string, unknown>;
  const lies = fields.filter((f) => (f.type === 'float' || f.type === 'double') && typeof rec[f.name] === 'number' && !Number.isFinite(rec[f.name] as number));
  if (lies.length === 0) return encodePayload(m);
  const saved = lies.map((f) => rec[f.name] as number);
  for (const f of lies) rec[f.name] = 0;
  const out = encodePayload(m);
  lies.forEach((f, i) => {
    rec[f.name] = saved[i];
    const view = new DataView(out.payload.buffer, out.payload.byteOffset, out.payload.byteLength);
    if (f.type === 'float') view.setFloat32(f.offset, saved[i]!, true);
    else view.setFloat64(f.offset, saved[i]!, true);
  });
  return out;
}
