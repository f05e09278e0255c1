/** `kongxun status --connect URL`: each vehicle's live state, as a table or JSON lines. */
import { resolve } from 'node:path';
import { SystemClock } from '../../common/clock.js';
import { vehicleViews } from '../api/views.js';
import type { VehicleView } from '../../common/api/contract.js';
import { createStation } from '../compose.js';
import { defaultDataDir } from '../storage/data-dir.js';
import { flag, helpText, parseArgs, type FlagSpec } from './args.js';
import type { CliIo } from './io.js';
import { watchLinks } from './link-why.js';
import { SIGNING_FLAGS, signingFromArgs } from './signing.js';

const SPEC: Record<string, FlagSpec> = {
  connect: { type: 'list', describe: 'link URL, e.g. tcpout://127.0.0.1:5760 (repeatable)' },
  json: { type: 'boolean', describe: 'print one JSON object per vehicle per second' },
  seconds: { type: 'string', describe: 'stop after this many seconds (default: run until Ctrl+C)' },
  data: { type: 'string', describe: "the station's data folder (recordings go to DIR/tlogs)" },
  ...SIGNING_FLAGS,
  help: { type: 'boolean', describe: 'show this help' },
};

const n = (v: number | null, d = 0) => (v === null ? '-' : v.toFixed(d));

export function statusLine(v: VehicleView): string {
  return [
    `sys${v.sysid}`.padEnd(6),
    (v.connected ? v.mode : 'LOST').padEnd(9),
    (v.armed ? 'ARMED' : 'disarmed').padEnd(9),
    `${n(v.latDeg, 6)},${n(v.lonDeg, 6)}`.padEnd(23),
    `alt ${n(v.altRelM, 1)} m`.padEnd(12),
    `gs ${n(v.groundSpeedMps, 1)} m/s`.padEnd(13),
    `bat ${n(v.batteryPct)}% ${n(v.batteryV, 1)} V`.padEnd(16),
    `gps ${v.gpsFixType ?? '-'}/${v.gpsSatellites ?? '-'}`.padEnd(9),
    `loss ${n(v.linkLossPct, 1)}%`,
    v.lastText ? ` "${v.lastText}"` : '',
  ].join(' ');
}

export async function statusMain(argv: string[], io: CliIo): Promise<number> {
  const a = parseArgs(argv, SPEC, 'status');
  if (!a.ok) return io.fail(a.reason, 2);
  if (flag(a.value, 'help')) return io.print(helpText('status', '--connect URL [--json] [--seconds S]', SPEC), 0);
  const urls = a.value.flags.get('connect') ?? [];
  if (urls.length === 0) return io.fail('kongxun status: --connect URL is required (e.g. tcpout://127.0.0.1:5760)', 2);
  const secondsText = flag(a.value, 'seconds');
  const seconds = secondsText === undefined ? Infinity : Number(secondsText);
  if (!(seconds > 0)) return io.fail(`kongxun status: --seconds must be a positive number, got "${secondsText}"`, 2);
  const signing = signingFromArgs(a.value, 'status', (l) => io.err(l));
  if (!signing.ok) return io.fail(signing.reason, 2);
  const clock = new SystemClock();
  const st = await createStation({ clock, dataDir: resolve(flag(a.value, 'data') ?? defaultDataDir()), connections: urls, ...(signing.value ? { signing: signing.value } : {}) });
  if (!st.ok) return io.fail(`kongxun status: ${st.reason}`, 2);
  const station = st.value;
  const links = watchLinks(station);
  const json = !!flag(a.value, 'json');
  let seen = 0;
  let ticks = 0;
  const empty = new Map<number, string>();
  await new Promise<void>((done) => {
    const stop = () => {
      clock.clearInterval(timer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    const timer = clock.setInterval(() => {
      ticks++;
      const views = vehicleViews(station.snapshot(), empty);
      seen = Math.max(seen, views.length);
      if (json) for (const v of views) io.out(JSON.stringify({ atMs: clock.now(), ...v }));
      else {
        if (views.length === 0) io.out(`waiting for a vehicle on ${urls.join(', ')} …`);
        for (const v of views) io.out(statusLine(v));
      }
      if (ticks >= seconds) stop();
    }, 1000);
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  const why = links.why();
  links.close();
  await station.close();
  if (seen === 0) return io.fail(`kongxun status: no vehicle heard: ${why}`, 1);
  return 0;
}
