/**
 * `kongxun keys install|rotate --drone ID`: give a drone a new MAVLink 2 signing key with SETUP_SIGNING, as
 * MAVProxy's `signing setup` and Mission Planner's signing page do, over a link the operator trusts (USB or
 * a radio on the bench; --connect, else the drone's `connect` in the fleet file).
 *
 *   install: the drone does not sign yet; the link is opened unsigned.
 *   rotate:  the drone signs with its current key (DATA/keys/ID.key or the fleet's signing_key_file); the
 *            SETUP_SIGNING goes out signed with it (ArduPilot drops an unsigned one once it signs).
 *
 * The new key is written to DATA/keys/ID.key.pending (0600) before it is sent, and becomes DATA/keys/ID.key
 * only when the drone is heard signing with it; otherwise the pending file stays and says which key the
 * drone may now hold. ArduPilot refuses SETUP_SIGNING while armed, and so do we, before sending.
 */
import { existsSync, renameSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { common, minimal } from 'mavlink-mappings';
import { SystemClock } from '../../common/clock.js';
import { waitUntil } from '../../common/wait.js';
import { SIGNING_EPOCH_MS } from '../../mavlink/codec/signing.js';
import { make } from '../../mavlink/codec/messages.js';
import { createStation } from '../compose.js';
import { defaultDataDir } from '../storage/data-dir.js';
import { droneKey, keyPath, newKey, writeKeyFile } from '../files/keys.js';
import { loadStationFiles } from '../files/station-files.js';
import { flag, helpText, parseArgs, type FlagSpec } from './args.js';
import type { CliIo } from './io.js';

const SPEC: Record<string, FlagSpec> = {
  drone: { type: 'string', describe: 'the drone (its id in the fleet file)' },
  connect: { type: 'list', describe: 'the trusted link to it (default: its connect URL in the fleet file)' },
  fleet: { type: 'string', describe: 'fleet JSON (default: the sample fleet)' },
  station: { type: 'string', describe: 'jurisdiction GeoJSON (default: the sample station)' },
  data: { type: 'string', describe: "the station's data folder (keys go to DATA/keys/)" },
  wait: { type: 'string', describe: 'seconds to wait for the drone, and for it to sign with the new key (default 15)' },
  help: { type: 'boolean', describe: 'show this help' },
};

export async function keysMain(argv: string[], io: CliIo): Promise<number> {
  const a = parseArgs(argv, SPEC, 'keys');
  if (!a.ok) return io.fail(a.reason, 2);
  const [sub, ...rest] = a.value.positionals;
  if (flag(a.value, 'help') || !sub) return io.print(helpText('keys', 'install|rotate --drone ID [--connect URL]', SPEC), sub || flag(a.value, 'help') ? 0 : 2);
  if (sub !== 'install' && sub !== 'rotate') return io.fail(`kongxun keys: unknown action "${sub}" (install or rotate)`, 2);
  if (rest.length > 0) return io.fail(`kongxun keys ${sub}: unexpected "${rest.join(' ')}"`, 2);
  const id = flag(a.value, 'drone');
  if (!id) return io.fail(`kongxun keys ${sub}: --drone ID is required`, 2);
  const waitS = Number(flag(a.value, 'wait') ?? 15);
  if (!(waitS > 0)) return io.fail(`kongxun keys ${sub}: --wait must be a positive number of seconds`, 2);
  const files = loadStationFiles(flag(a.value, 'station'), flag(a.value, 'fleet'));
  if (!files.ok) return io.fail(`kongxun keys ${sub}: ${files.reason}`, 2);
  const drone = files.value.fleet.drones.find((d) => d.id === id);
  if (!drone) return io.fail(`kongxun keys ${sub}: no drone "${id}" in the fleet file (drones: ${files.value.fleet.drones.map((d) => d.id).join(', ')})`, 2);
  const url = (a.value.flags.get('connect') ?? [])[0] ?? drone.connect;
  if (!url) return io.fail(`kongxun keys ${sub}: drone ${id} has no connect URL: give the trusted link with --connect URL`, 2);
  const dataDir = resolve(flag(a.value, 'data') ?? defaultDataDir());
  const fleetFile = flag(a.value, 'fleet');
  const current = droneKey(drone, dataDir, fleetFile ? dirname(resolve(fleetFile)) : '.');
  if (!current.ok) return io.fail(`kongxun keys ${sub}: ${current.reason}`, 2);
  if (sub === 'rotate' && !current.value) return io.fail(`kongxun keys rotate: drone ${id} has no key yet (${keyPath(dataDir, id)}): use keys install`, 2);
  if (sub === 'install' && current.value) return io.fail(`kongxun keys install: drone ${id} has a key already (${current.value.from}): use keys rotate`, 2);

  const clock = new SystemClock();
  const oldKey = current.value?.key;
  const st = await createStation({ clock, dataDir, connections: [url], record: false, ...(oldKey ? { signing: { key: oldKey, unsigned: 'reject' } } : {}) });
  if (!st.ok) return io.fail(`kongxun keys ${sub}: ${st.reason}`, 2);
  const station = st.value;
  const conn = station.connections()[0]!;
  try {
    const until = (cond: () => boolean): Promise<boolean> => waitUntil(clock, cond, { timeoutMs: waitS * 1000, everyMs: 100 });
    const heard = await until(() => station.vehicle(drone.sysid) !== undefined);
    if (!heard) {
      const s = conn.stats;
      const rejected = s.rejectedBadSignature + s.rejectedUnsigned + s.rejectedReplay;
      const why = rejected > 0 ? `; ${rejected} frames rejected${sub === 'install' ? ' (the drone signs already? use keys rotate)' : ' (the drone has another key?)'}` : '';
      return io.fail(`kongxun keys ${sub}: drone ${id} (system id ${drone.sysid}) not heard on ${url} within ${waitS} s${why}`, 1);
    }
    if (station.vehicle(drone.sysid)?.state().armed) {
      return io.fail(`kongxun keys ${sub}: drone ${id} is armed: ArduPilot refuses SETUP_SIGNING while armed; nothing sent`, 1);
    }
    const key = newKey();
    const final = keyPath(dataDir, id);
    const pending = writeKeyFile(`${final}.pending`, key);
    if (!pending.ok) return io.fail(`kongxun keys ${sub}: ${pending.reason}; nothing sent`, 1);
    const initialTimestamp = BigInt(Math.floor((clock.now() - SIGNING_EPOCH_MS) * 100));
    conn.send(make(common.SetupSigning, { targetSystem: drone.sysid, targetComponent: 0, secretKey: [...key], initialTimestamp }));
    io.err(`kongxun keys ${sub}: SETUP_SIGNING sent to ${id} on ${url}${oldKey ? ' (signed with its current key)' : ''}; waiting for it to sign with the new key`);
    // From now on we sign with the new key and accept only frames signed with it: a heartbeat proves it.
    conn.setSigning({ key, linkId: 0, unsigned: 'reject' }, initialTimestamp > 0n ? Number(initialTimestamp) : 0);
    let signedHb = false;
    const off = conn.onMessage((r) => {
      if (r.frame.sysid === drone.sysid && r.message instanceof minimal.Heartbeat && r.frame.signature) signedHb = true;
    });
    const ok = await until(() => signedHb);
    off();
    if (!ok) {
      return io.fail(`kongxun keys ${sub}: ${id} was not heard signing with the new key within ${waitS} s; the key it may now hold is kept in ${pending.value} (mode 0600) — not made current`, 1);
    }
    if (existsSync(final)) renameSync(final, `${final}.old`);
    renameSync(pending.value, final);
    io.out(`kongxun keys ${sub}: ${id} signs with its new key, kept in ${final} (mode 0600)${oldKey ? `; the previous one in ${final}.old` : ''}`);
    if (drone.signingKeyFile !== undefined) io.err(`kongxun keys ${sub}: warning: the fleet file names ${drone.signingKeyFile} for ${id}, which wins over ${final}: point signing_key_file at the new key`);
    return 0;
  } finally {
    await station.close();
  }
}
