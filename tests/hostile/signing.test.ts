/**
 * Signing that fails closed, on real TCP links to the simulator (sitl/ honours SETUP_SIGNING as ArduPilot
 * does): `kongxun keys install|rotate` gives a drone its key over a trusted link; after it, the drone drops
 * unsigned commands without a word; the station signs every real link even with simulated drones present,
 * and refuses to start when a real link has no key; key files are 0600 or refused; the passphrase leaves argv.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { common } from 'mavlink-mappings';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../common/clock.js';
import { IFLAG_SIGNED } from '../../mavlink/codec/frame.js';
import { make } from '../../mavlink/codec/messages.js';
import { SimFleet } from '../../sitl/fleet.js';
import { parseArgs } from '../../station/cli/args.js';
import { SIGNING_FLAGS, cliSigning } from '../../station/cli/signing.js';
import { runCli, tcpSimFleet } from '../cli.js';
import { createStation } from '../../station/compose.js';
import { keyPath, readKeyFile } from '../../station/files/keys.js';
import { startStationService } from '../../station/service.js';
import { vehicleViews } from '../../station/api/views.js';
import { until } from './wire.js';

let fleet: SimFleet | undefined;
let dir = '';
const PORT = 31_000 + (process.pid % 1000) * 10;
const URL = `tcpout://127.0.0.1:${PORT}`;
const URL2 = `tcpout://127.0.0.1:${PORT + 10}`;
let fleetFile = '';
let data = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kongxun-signing-'));
  data = join(dir, 'data');
  fleet = await tcpSimFleet({ basePort: PORT, drones: 2, sysids: [11, 12] });
  const sample = JSON.parse(readFileSync(join(__dirname, '../../resources/samples/fleet.json'), 'utf8')) as { drones: Record<string, unknown>[] };
  sample.drones[0]!.connect = URL;
  fleetFile = join(dir, 'fleet.json');
  writeFileSync(fleetFile, JSON.stringify(sample));
});
afterAll(async () => {
  await fleet?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** An ARM command over an unsigned link: answered, or (a signing drone) dropped without a word. */
async function unsignedCommandAnswered(url: string): Promise<boolean> {
  const st = await createStation({ clock: new SystemClock(), dataDir: join(dir, 'probe'), connections: [url], record: false });
  if (!st.ok) throw new Error(st.reason);
  const conn = st.value.connections()[0]!;
  let acked = false;
  conn.onMessage((r) => {
    if (r.message instanceof common.CommandAck && r.message.command === common.MavCmd.COMPONENT_ARM_DISARM) acked = true;
  });
  // The drone streams (RADIO_STATUS-like telemetry is signed too now): send the command a few times.
  for (let i = 0; i < 5 && !acked; i++) {
    conn.send(make(common.CommandLong, { targetSystem: 11, targetComponent: 1, command: common.MavCmd.COMPONENT_ARM_DISARM, _param1: 0, confirmation: i }));
    await until(() => acked, 30);
  }
  const rejected = conn.stats.rejectedUnsigned + conn.stats.rejectedBadSignature;
  await st.value.close();
  return acked || rejected === 0 ? acked : false;
}

describe('signing on real links', () => {
  it('keys install: SETUP_SIGNING over a trusted link, the key kept 0600; then unsigned commands are ignored silently; rotate; all-zero key turns it off', async () => {
    expect(await unsignedCommandAnswered(URL)).toBe(true);
    const inst = await runCli('keys', 'install', '--drone', 'JH-01', '--fleet', fleetFile, '--data', data, '--wait', '10');
    expect(inst.code, inst.err).toBe(0);
    const file = keyPath(data, 'JH-01');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(data, 'keys')).mode & 0o777).toBe(0o700);
    const k1 = readKeyFile(file);
    expect(k1.ok).toBe(true);
    // The drone now drops unsigned commands without an answer (ArduPilot: silently ignored).
    expect(await unsignedCommandAnswered(URL)).toBe(false);
    expect(fleet!.members[0]!.drone.signingKey).toBeDefined();

    const again = await runCli('keys', 'install', '--drone', 'JH-01', '--fleet', fleetFile, '--data', data);
    expect(again.code).toBe(2);
    expect(again.err).toContain('has a key already');

    const rot = await runCli('keys', 'rotate', '--drone', 'JH-01', '--fleet', fleetFile, '--data', data, '--wait', '10');
    expect(rot.code, rot.err).toBe(0);
    const k2 = readKeyFile(file);
    expect(k2.ok && k1.ok && Buffer.from(k2.value).equals(Buffer.from(k1.value))).toBe(false);
    expect(readKeyFile(`${file}.old`).ok).toBe(true);

    // A signed station with the current key talks to it; an all-zero key (signed) turns signing off.
    const st = await createStation({ clock: new SystemClock(), dataDir: join(dir, 'z'), connections: [URL], record: false, signing: { key: k2.ok ? k2.value : new Uint8Array(32), unsigned: 'reject' } });
    expect(st.ok).toBe(true);
    if (!st.ok) return;
    expect(await until(() => st.value.vehicle(11) !== undefined)).toBe(true);
    st.value.connections()[0]!.send(make(common.SetupSigning, { targetSystem: 11, targetComponent: 0, secretKey: new Array(32).fill(0), initialTimestamp: 0n }));
    expect(await until(() => fleet!.members[0]!.drone.signingKey === undefined)).toBe(true);
    await st.value.close();
    expect(await unsignedCommandAnswered(URL)).toBe(true);
  }, 120_000);

  it('with simulated drones present, every real link signs (before: 0 of 25 frames signed); a real link without a key stops the start', async () => {
    // JH-01 holds the key from the first test's files? It was turned off: install afresh.
    rmSync(join(data, 'keys'), { recursive: true, force: true });
    const inst = await runCli('keys', 'install', '--drone', 'JH-01', '--fleet', fleetFile, '--data', data, '--wait', '10');
    expect(inst.code, inst.err).toBe(0);
    const staticDir = mkdtempSync(join(tmpdir(), 'kx-static-'));
    const lines: string[] = [];
    const svc = await startStationService({ dataDir: data, staticDir, fleetFile, connect: [], simulate: true, port: 0, videoDiscovery: false, simWarmupMs: 1000, log: (l) => lines.push(l) });
    expect(svc.ok, svc.ok ? '' : svc.reason).toBe(true);
    if (!svc.ok) return;
    try {
      const conns = svc.value.station.connections();
      const real = conns.find((c) => c.name === URL)!;
      expect(real.signing).toBe(true);
      expect(conns.filter((c) => c !== real).every((c) => !c.signing)).toBe(true);
      let sent = 0;
      let signed = 0;
      real.onSent((s) => {
        sent++;
        if (s.bytes[2]! & IFLAG_SIGNED) signed++;
      });
      expect(await until(() => svc.value.station.vehicle(11) !== undefined), JSON.stringify(real.stats)).toBe(true);
      expect(await until(() => sent >= 25, 3000)).toBe(true);
      console.log(`signing with ${conns.length - 1} simulated drones present: ${signed} of ${sent} frames on ${URL} signed; ${lines.find((l) => l.includes('signing'))}`);
      expect(signed).toBe(sent);
      expect(lines.some((l) => /signing 1 real link \(JH-01: .*JH-01\.key\).*in-process simulator links? unsigned/.test(l))).toBe(true);
    } finally {
      await svc.value.close();
    }

    // A second real drone without a key: refused, naming it.
    const sample = JSON.parse(readFileSync(fleetFile, 'utf8')) as { drones: Record<string, unknown>[] };
    sample.drones[1]!.connect = URL2;
    const two = join(dir, 'fleet2.json');
    writeFileSync(two, JSON.stringify(sample));
    const refused = await startStationService({ dataDir: data, staticDir, fleetFile: two, connect: [], simulate: false, port: 0, videoDiscovery: false });
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.reason).toContain(`no key: ${URL2} (drone JH-02)`);
  }, 120_000);

  it('one-shot commands sign with the drone\'s own key (DATA/keys/ID.key) as serve does: by --drone, or by the fleet\'s connect URL; without it the signing drone ignores them', async () => {
    // JH-01 signs with DATA/keys/JH-01.key since the test before.
    expect(readKeyFile(keyPath(data, 'JH-01')).ok).toBe(true);
    expect(await unsignedCommandAnswered(URL)).toBe(false);
    // --drone JH-01: its link, its system id and its key come from the fleet file and DATA/keys/.
    const byDrone = await runCli('command', '--drone', 'JH-01', '--fleet', fleetFile, '--data', data, '--wait', '10', 'mode', 'LOITER');
    expect(byDrone.code, byDrone.err + byDrone.out).toBe(0);
    expect(byDrone.err).toMatch(/signing 1 real link \(JH-01: .*JH-01\.key\)/);
    // --connect URL of a fleet drone: the same key, found by the URL.
    const byUrl = await runCli('command', '--connect', URL, '--fleet', fleetFile, '--data', data, '--wait', '10', 'mode', 'GUIDED');
    expect(byUrl.code, byUrl.err + byUrl.out).toBe(0);
    // The same command with no key at all: the drone drops it unanswered (it signs), exit 1.
    const unsigned = await runCli('command', '--connect', URL, '--sysid', '11', '--data', data, '--wait', '3', 'mode', 'LOITER');
    expect(unsigned.code).toBe(1);
    // A second link without a key next to a keyed one: refused before anything opens, naming it.
    const mixed = await runCli('command', '--connect', URL, '--connect', URL2, '--fleet', fleetFile, '--data', data, '--wait', '3', 'mode', 'LOITER');
    expect(mixed.code).toBe(2);
    expect(mixed.err).toContain(`no key: ${URL2}`);
  }, 120_000);

  it('wrong key: the link is up but every frame rejected → an alert, not a vehicle-less "up"; --unsigned flag: the card badge and an alert', async () => {
    const staticDir = mkdtempSync(join(tmpdir(), 'kx-static-'));
    // JH-01 signs with DATA/keys/JH-01.key (second test). The fleet names another key for it: wrong key.
    const wrong = join(dir, 'wrong.key');
    writeFileSync(wrong, 'not the drone key\n', { mode: 0o600 });
    const sample = JSON.parse(readFileSync(fleetFile, 'utf8')) as { drones: Record<string, unknown>[] };
    sample.drones[0]!.signing_key_file = wrong;
    const wf = join(dir, 'fleet-wrong.json');
    writeFileSync(wf, JSON.stringify(sample));
    const lines: string[] = [];
    const bad = await startStationService({ dataDir: data, staticDir, fleetFile: wf, connect: [], simulate: false, port: 0, videoDiscovery: false, log: (l) => lines.push(l) });
    expect(bad.ok, bad.ok ? '' : bad.reason).toBe(true);
    if (!bad.ok) return;
    try {
      expect(await until(() => lines.some((l) => l.includes('every frame rejected')), 1500)).toBe(true);
      console.log(`wrong key: ${lines.find((l) => l.includes('every frame rejected'))}`);
      expect(bad.value.station.vehicles()).toHaveLength(0);
    } finally {
      await bad.value.close();
    }

    // Turn the drone's signing off (all-zero key, signed with its key), then serve with the key under flag.
    const k = readKeyFile(keyPath(data, 'JH-01'));
    const st = await createStation({ clock: new SystemClock(), dataDir: join(dir, 'z2'), connections: [URL], record: false, signing: { key: k.ok ? k.value : new Uint8Array(32), unsigned: 'reject' } });
    expect(st.ok).toBe(true);
    if (!st.ok) return;
    expect(await until(() => st.value.vehicle(11) !== undefined)).toBe(true);
    st.value.connections()[0]!.send(make(common.SetupSigning, { targetSystem: 11, targetComponent: 0, secretKey: new Array(32).fill(0), initialTimestamp: 0n }));
    expect(await until(() => fleet!.members[0]!.drone.signingKey === undefined)).toBe(true);
    await st.value.close();

    const flagged = await startStationService({ dataDir: data, staticDir, fleetFile, connect: [], simulate: false, unsigned: 'flag', port: 0, videoDiscovery: false });
    expect(flagged.ok, flagged.ok ? '' : flagged.reason).toBe(true);
    if (!flagged.ok) return;
    try {
      const msgs: { type: string; event?: { kind: string; severity: string; text: string } }[] = [];
      const leave = flagged.value.attachConsole({ who: { kind: 'user', user: 'test', role: 'pilot', from: 'test', via: 'console' }, send: (t: string) => void msgs.push(JSON.parse(t) as never), onMessage: () => () => undefined } as never);
      expect(await until(() => msgs.some((m) => m.type === 'event' && m.event?.kind === 'unsigned-flagged'))).toBe(true);
      const ev = msgs.find((m) => m.event?.kind === 'unsigned-flagged')!.event!;
      expect(ev.severity).toBe('alert');
      const view = vehicleViews(flagged.value.station.snapshot(), new Map([[11, 'JH-01']]))[0]!;
      console.log(`--unsigned flag: ${ev.text}; card signing ${JSON.stringify(view.signing)}`);
      expect(view.signing?.signed).toBe(true);
      expect(view.signing?.unsignedFrames).toBeGreaterThan(0);
      leave();
    } finally {
      await flagged.value.close();
    }
  }, 120_000);

  it('key files: 0644 refused with the chmod to run; KONGXUN_SIGNING_KEY and --signing-key-file read; --signing-key warns', async () => {
    const loose = join(dir, 'loose.key');
    writeFileSync(loose, 'correct horse battery staple\n');
    chmodSync(loose, 0o644);
    const r = await runCli('status', '--connect', URL2, '--signing-key-file', loose, '--data', join(dir, 's'));
    expect(r.code).toBe(2);
    expect(r.err).toContain(`readable by others (mode 644): chmod 600 ${loose}`);
    chmodSync(loose, 0o600);
    expect(readKeyFile(loose).ok).toBe(true);
    const both = await runCli('status', '--connect', URL2, '--signing-key-file', loose, '--signing-key', 'x', '--data', join(dir, 's'));
    expect(both.err).toContain('give one signing key');
    const dep = await runCli('params', 'pull', '--connect', URL2, '--signing-key', 'x', '--wait', '1', '--data', join(dir, 's'));
    expect(dep.err).toContain('--signing-key is deprecated');
    const hex = 'ab'.repeat(32);
    const pa = parseArgs(['--unsigned', 'flag'], SIGNING_FLAGS, 'x');
    const fromEnv = pa.ok ? cliSigning(pa.value, 'x', { env: { KONGXUN_SIGNING_KEY: hex } }) : undefined;
    expect(fromEnv?.ok && fromEnv.value).toMatchObject({ from: 'KONGXUN_SIGNING_KEY', unsigned: 'flag' });
    expect(fromEnv?.ok && Buffer.from(fromEnv.value.config!.key).toString('hex')).toBe(hex);
    const zero = pa.ok ? cliSigning(pa.value, 'x', { env: { KONGXUN_SIGNING_KEY: '0'.repeat(64) } }) : undefined;
    expect(zero?.ok === false && zero.reason).toContain('all-zero key');
  }, 60_000);
});
