/**
 * Parameter download: the list protocol (PARAM_REQUEST_LIST) vs MAVFTP (@PARAM/param.pck) over a
 * 57600-baud radio (5760 B/s memory link, 20 ms one way) against the simulated ArduCopter (1349
 * parameters), on the FakeClock: all times are simulated seconds, so the figures are exact and repeatable.
 *
 *   npx tsx bench/params.ts            # loss 0, 5, 10, 20 %; radio with and without flow control (~15 s)
 *
 * Lower bounds (the link busy with nothing else): list = 1349 PARAM_VALUE × 37 B / 5760 B/s; MAVFTP = the
 * param.pck blocks as FILE_TRANSFER_PROTOCOL frames / 5760 B/s. The simulator paces as ArduPilot does: a
 * list at ≤ 30 % of the link (GCS_MAVLINK::queued_param_send), bursts at ≤ 1/3 without flow control
 * (GCS_FTP burst_delay_ms) and at the link's pace with it.
 */
import { FilesRig } from '../tests/params/helpers.js';

const BPS = 5760;
const N = 1349;
const PARAM_VALUE_FRAME = 37;
/** 12 bytes of framing + 12 bytes of FTP header + 239 data + 3 target bytes (before trimming). */
const FTP_FRAME = 266;

async function once(via: 'ftp' | 'list', loss: number, flowControl: boolean, seed: number): Promise<{ s: number; ok: boolean; bytes?: number }> {
  const rig = await FilesRig.create({ link: { bytesPerSecond: BPS, lossRate: loss, seed, latencyMs: 20 }, radio: { bytesPerSecond: BPS, flowControl } });
  try {
    // Let the station's stream requests settle (telemetry keeps flowing during the transfer, as in the field).
    await rig.run(new Promise<void>((r) => rig.clock.setTimeout(() => r(), 10_000)));
    const r = await rig.run(rig.files.params.pull({ via, cache: false }), 3_600_000);
    if (!r.ok) return { s: NaN, ok: false };
    // The pull includes AUTOPILOT_VERSION; time the transfer as the user waits for it.
    return { s: r.value.elapsedMs / 1000, ok: r.value.params.length === N, ...(r.value.ftpStats ? { bytes: r.value.ftpStats.bytes } : {}) };
  } finally {
    await rig.close();
  }
}

const SEEDS = [21, 22, 23];

async function median(via: 'ftp' | 'list', loss: number, flowControl: boolean): Promise<{ s: number; ok: boolean; bytes?: number }> {
  const runs = [];
  for (const seed of SEEDS) runs.push(await once(via, loss, flowControl, seed));
  runs.sort((a, b) => a.s - b.s);
  return { ...runs[1]!, ok: runs.every((r) => r.ok) };
}

async function main(): Promise<void> {
  const listLb = (N * PARAM_VALUE_FRAME) / BPS;
  let pckBytes = 14_882;
  console.log('parameter download (whole pull: AUTOPILOT_VERSION + transfer), 1349 parameters, 57600 baud (5760 B/s),');
  console.log(`20 ms one way, telemetry streams running, simulated time; median of seeds ${SEEDS.join(', ')}\n`);
  console.log('radio            loss   list s   ftp s   list/ftp   list/LB   ftp/LB');
  for (const flowControl of [false, true]) {
    for (const loss of [0, 0.05, 0.1, 0.2]) {
      const l = await median('list', loss, flowControl);
      const f = await median('ftp', loss, flowControl);
      if (f.bytes) pckBytes = f.bytes;
      const ftpLb = (Math.ceil(pckBytes / 239) * FTP_FRAME) / BPS;
      const row = [
        (flowControl ? 'RTS/CTS' : 'no flow control').padEnd(16),
        `${(loss * 100).toFixed(0)} %`.padStart(5),
        l.s.toFixed(1).padStart(8),
        f.s.toFixed(1).padStart(7),
        `${(l.s / f.s).toFixed(1)}×`.padStart(10),
        (l.s / listLb).toFixed(2).padStart(9),
        (f.s / ftpLb).toFixed(2).padStart(8),
        l.ok && f.ok ? '' : '  (a transfer failed)',
      ];
      console.log(row.join(' '));
    }
  }
  const ftpLb = (Math.ceil(pckBytes / 239) * FTP_FRAME) / BPS;
  console.log(`\nlower bounds: list ${listLb.toFixed(1)} s (${N} × ${PARAM_VALUE_FRAME} B), MAVFTP ${ftpLb.toFixed(1)} s (${pckBytes} B in ${Math.ceil(pckBytes / 239)} frames of ≤ ${FTP_FRAME} B)`);
  console.log(`protocol ratio at equal pacing (bytes on the wire): ${(listLb / ftpLb).toFixed(1)}×; ArduPilot paces the list at 30 %, so list/ftp ≈ ${(listLb / 0.3 / ftpLb).toFixed(1)}× with flow control, ≈ ${(listLb / 0.3 / (ftpLb * 3)).toFixed(1)}× without`);
}

void main();
