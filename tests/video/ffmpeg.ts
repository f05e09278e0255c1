/** Test helpers: ffmpeg (Debian) as a real RTP/H.264 source, free UDP ports, packet capture, ffprobe. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';

export function freeUdpPortPair(): Promise<number> {
  // An even port whose +1 is free too (RTP + RTCP).
  return new Promise((resolve, reject) => {
    const tryOne = () => {
      const a = createSocket('udp4');
      a.bind(0, '127.0.0.1', () => {
        const p = a.address().port & ~1;
        a.close();
        const s1 = createSocket('udp4');
        const s2 = createSocket('udp4');
        let n = 0;
        const fail = () => {
          s1.close();
          s2.close();
          setTimeout(tryOne, 1);
        };
        s1.once('error', () => fail());
        s2.once('error', () => fail());
        const done = () => {
          if (++n < 2) return;
          s1.close();
          s2.close();
          resolve(p);
        };
        s1.bind(p, '127.0.0.1', done);
        s2.bind(p + 1, '127.0.0.1', done);
      });
      a.once('error', reject);
    };
    tryOne();
  });
}

export interface FfmpegOptions {
  size?: string;
  rate?: number;
  seconds?: number;
  codec?: 'libx264' | 'libx265';
  gop?: number;
  /** Send at the encoding rate (-re); default true. */
  realtime?: boolean;
  extra?: string[];
}

export function ffmpegRtp(port: number, o: FfmpegOptions = {}): ChildProcess {
  const args = ['-hide_banner', '-loglevel', 'error', ...(o.realtime === false ? [] : ['-re']), '-f', 'lavfi', '-i', `testsrc2=size=${o.size ?? '1280x720'}:rate=${o.rate ?? 30}`];
  if (o.seconds !== undefined) args.push('-t', String(o.seconds));
  args.push('-c:v', o.codec ?? 'libx264', ...(o.codec === 'libx265' ? ['-preset', 'ultrafast', '-tune', 'zerolatency'] : ['-tune', 'zerolatency']), '-g', String(o.gop ?? 30), ...(o.extra ?? []), '-f', 'rtp', `rtp://127.0.0.1:${port}`);
  return spawn('/usr/bin/ffmpeg', args, { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Captures the UDP packets ffmpeg sends to `port` until it exits. */
export async function captureRtp(o: FfmpegOptions = {}): Promise<Buffer[]> {
  const port = await freeUdpPortPair();
  const sock = createSocket('udp4');
  const packets: Buffer[] = [];
  sock.on('message', (m) => packets.push(m));
  await new Promise<void>((r) => sock.bind(port, '127.0.0.1', () => r()));
  try {
    sock.setRecvBufferSize(8 * 1024 * 1024);
  } catch {
    /* kernel limit */
  }
  const ff = ffmpegRtp(port, { realtime: false, ...o });
  await new Promise((r) => ff.on('exit', r));
  await new Promise((r) => setTimeout(r, 100));
  sock.close();
  return packets;
}

/** Frames ffprobe decodes in a file. */
export function ffprobeFrames(file: string): number {
  const out = execFileSync('/usr/bin/ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames,codec_name', '-of', 'csv=p=0', file]).toString();
  return Number(out.trim().split(',').pop());
}

/** Deterministic PRNG (mulberry32, the memory transport's) for loss injection. */
export { seededRandom as seeded } from '../../mavlink/transport/memory.js';
