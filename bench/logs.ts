/**
 * Onboard log download throughput as a share of the link's bandwidth: MAVFTP (APM/LOGS/*.BIN, burst reads,
 * CRC32 check) vs the LOG_REQUEST_DATA protocol (size check), over a 57600-baud radio (5760 B/s memory
 * link, 20 ms one way) against the simulator, on the FakeClock (simulated time; exact and repeatable).
 *
 *   npx tsx bench/logs.ts [sizeKB=256]
 *
 * The ceiling is the payload share of each frame: MAVFTP 239 of 266 bytes (0.90), LOG_DATA 90 of 109 (0.83).
 * The simulator paces as ArduPilot: MAVFTP bursts at ≤ 1/3 of the link without flow control (so ≤ 0.30),
 * at the link's pace with RTS/CTS; LOG_DATA as fast as the link takes it. Telemetry streams keep running.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { FilesRig } from '../tests/params/helpers.js';

const BPS = 5760;

async function once(via: 'ftp' | 'log', loss: number, flowControl: boolean, size: number): Promise<{ share: number; s: number; ok: boolean }> {
  const rig = await FilesRig.create({ link: { bytesPerSecond: BPS, lossRate: loss, seed: 31, latencyMs: 20 }, radio: { bytesPerSecond: BPS, flowControl }, logSizes: [size] });
  try {
    await rig.run(new Promise<void>((r) => rig.clock.setTimeout(() => r(), 10_000)));
    const out = join(rig.dataDir, 'logs');
    const t0 = rig.clock.now();
    const r = await rig.run(rig.files.logs.get({ id: 1 }, out, { via }), 7_200_000);
    const s = (rig.clock.now() - t0) / 1000;
    rmSync(out, { recursive: true, force: true });
    return { share: r.ok ? size / s / BPS : 0, s, ok: r.ok };
  } finally {
    await rig.close();
  }
}

async function main(): Promise<void> {
  const size = Math.round(Number(process.argv[2] ?? 256) * 1024);
  console.log(`log download of ${size} bytes, 57600 baud (5760 B/s), 20 ms one way, telemetry running, simulated time`);
  console.log('(time from the request to the verified file: listing, transfer, checksum)\n');
  console.log('protocol  radio            loss     time s   B/s    share of link');
  for (const via of ['ftp', 'log'] as const) {
    for (const flowControl of [false, true]) {
      if (via === 'log' && flowControl) continue; // LOG_DATA pacing does not depend on flow control here
      for (const loss of [0, 0.05, 0.1, 0.2]) {
        const r = await once(via, loss, flowControl, size);
        console.log(
          [
            (via === 'ftp' ? 'MAVFTP' : 'LOG_*').padEnd(9),
            (flowControl ? 'RTS/CTS' : 'no flow control').padEnd(16),
            `${(loss * 100).toFixed(0)} %`.padStart(5),
            r.s.toFixed(1).padStart(10),
            Math.round(size / r.s).toString().padStart(6),
            `${(r.share * 100).toFixed(0)} %`.padStart(8),
            r.ok ? '' : '  (failed)',
          ].join(' '),
        );
      }
    }
  }
  console.log('\nceilings (payload share × pacing): MAVFTP 72 % with RTS/CTS (239/266 × 80 %), 30 % without (ArduPilot bursts at ≤ 1/3); LOG_DATA 66 % (90/109 × 80 %)');
}

void main();
