/**
 * Golden replay of a real MAVFTP session (mavftp-session.tlog: pymavlink's mavftp against ArduCopter 4.7
 * SITL). The vehicle's side of the capture answers our client: each request we send is matched to the
 * captured request with the same opcode, path, offset and size, and the vehicle's captured replies to it
 * (by req_opcode and session) come back with seq and session renumbered to ours. Our client must make the
 * same requests as the capture (pymavlink's ResetSessions aside) and assemble the same files byte for byte,
 * and list the directories as mavftp-listing.txt shows them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock.js';
import type { Received } from '../../mavlink/connection.js';
import { decodePayload, type MavLinkData } from '../../mavlink/codec/messages.js';
import { FtpClient } from '../../mavlink/services/ftp/client.js';
import { Op, decodeFtp, ftpMessage, text, type FtpPayload } from '../../mavlink/services/ftp/protocol.js';
import type { MessageLink } from '../../mavlink/services/driver.js';
import { readTlog } from '../../station/storage/tlog.js';
import { settle } from './helpers.js';

const fx = (n: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../fixtures/params/${n}`, import.meta.url)));

interface Exchange {
  req: FtpPayload;
  replies: FtpPayload[];
  used: boolean;
}

function exchanges(): Exchange[] {
  const out: Exchange[] = [];
  for (const r of readTlog(fx('mavftp-session.tlog'))) {
    if (r.frame.msgid !== 110) continue;
    const m = decodePayload(110, r.frame.payload) as unknown as { payload: number[] };
    const p = decodeFtp(m.payload);
    if (r.frame.sysid === 255) out.push({ req: p, replies: [], used: false });
    else {
      // The reply belongs to the latest request with its req_opcode and session.
      for (let i = out.length - 1; i >= 0; i--) {
        const e = out[i]!;
        if (e.req.opcode === p.reqOpcode && (e.req.opcode === Op.ResetSessions || e.req.session === p.session)) {
          e.replies.push(p);
          break;
        }
      }
    }
  }
  return out;
}

const key = (p: FtpPayload): string => `${p.opcode}|${p.opcode === Op.TerminateSession ? '' : `${text(p.data)}|${p.offset}|${p.size}`}`;

/** A link whose far end is the captured vehicle. */
function replayLink(clock: FakeClock, ex: Exchange[], seen: FtpPayload[]): MessageLink {
  const listeners = new Set<(r: Received) => void>();
  return {
    send(message: MavLinkData) {
      const req = decodeFtp((message as unknown as { payload: number[] }).payload);
      seen.push(req);
      const e = ex.find((x) => !x.used && key(x.req) === key(req));
      if (!e) return false;
      e.used = true;
      e.replies.forEach((rep, k) => {
        const p = { ...rep, session: req.session, seq: (req.seq + 1 + ((rep.seq - e.req.seq - 1) & 0xffff)) & 0xffff };
        clock.setTimeout(() => {
          const msg = ftpMessage(255, 190, p);
          const frame = { sysid: 1, compid: 1, msgid: 110 } as Received['frame'];
          for (const l of listeners) l({ frame, message: msg, peer: 'replay', atMs: clock.now(), flaggedUnsigned: false });
        }, 10 + k * 5);
      });
      return true;
    },
    onMessage(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}

describe('MAVFTP golden replay (mavftp-session.tlog)', () => {
  it('lists, then reads param.pck, param.pck?withdefaults=1 and mission.dat byte for byte', async () => {
    const clock = new FakeClock();
    const ex = exchanges();
    const seen: FtpPayload[] = [];
    const client = new FtpClient({ clock, link: replayLink(clock, ex, seen), target: { sysid: 1, compid: 1 }, gcsSysid: 255, gcsCompid: 190 });

    const root = await settle(clock, client.list('/'));
    expect(root).toEqual({ ok: true, value: ['.', '..', 'terrain', '@ROMFS', '@SYS'].map((name) => ({ kind: 'dir', name, size: 0 })) });
    expect(await settle(clock, client.list('@PARAM'))).toMatchObject({ ok: false, code: 'not-found' });
    expect(await settle(clock, client.list('@MISSION'))).toMatchObject({ ok: false, code: 'not-found' });
    const sys = await settle(clock, client.list('@SYS'));
    expect(sys.ok && sys.value.map((e) => `${e.name}:${e.size}`)).toEqual([
      'threads.txt:100000', 'tasks.txt:100000', 'dma.txt:100000', 'memory.txt:100000', 'uarts.txt:100000', 'timers.txt:100000',
      'can_log.txt:100000', 'can0_stats.txt:100000', 'can1_stats.txt:100000', 'crash_dump.bin:100000', 'storage.bin:16384',
    ]);
    const romfs = await settle(clock, client.list('@ROMFS'));
    expect(romfs).toEqual({ ok: true, value: [{ kind: 'file', name: 'locations.txt', size: 4727 }, { kind: 'dir', name: 'models', size: 0 }] });
    const models = await settle(clock, client.list('@ROMFS/models'));
    expect(models.ok && models.value.length).toBe(7);

    for (const [path, file] of [['@PARAM/param.pck', 'param.pck'], ['@PARAM/param.pck?withdefaults=1', 'param-withdefaults.pck'], ['@MISSION/mission.dat', 'mission.dat']] as const) {
      const r = await settle(clock, client.read({ path }));
      expect(r.ok, r.ok ? '' : r.reason).toBe(true);
      expect(Buffer.from(r.data).equals(Buffer.from(fx(file))), file).toBe(true);
      expect(r.stats.gapReads).toBe(0);
    }
    // Our requests are the capture's, in order, without pymavlink's opening ResetSessions.
    const captured = ex.map((e) => e.req).filter((p) => p.opcode !== Op.ResetSessions);
    expect(seen.map(key)).toEqual(captured.map(key));
    expect(ex.filter((e) => !e.used).map((e) => e.req.opcode)).toEqual([Op.ResetSessions]);
  });
});
