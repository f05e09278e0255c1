/**
 * SETUP_SIGNING on the simulator, as ArduPilot handles it (GCS_Signing.cpp): refused while armed (with its
 * text); otherwise the key takes effect at once, the drone signs what it sends and drops unsigned commands
 * without an answer; an all-zero key turns signing off. The key survives a restart of the simulator (a new
 * SimDrone on the same storage folder), as ArduPilot keeps it in its parameter storage.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { common } from 'mavlink-mappings';
import { describe, expect, it } from 'vitest';
import { make } from '../mavlink/codec/messages.js';
import { GcsHarness } from './testkit.js';
import { fileSigningStorage, signingKeyFile } from './signing-storage.js';

const KEY = Array.from({ length: 32 }, (_, i) => i + 1);

describe('SETUP_SIGNING on the simulator', () => {
  it('is refused while armed, with ArduPilot\'s text', () => {
    const h = new GcsHarness();
    h.drone.armed = true;
    h.gcs.send(make(common.SetupSigning, { targetSystem: h.drone.sysid, targetComponent: 0, secretKey: KEY, initialTimestamp: 0n }));
    h.advance(500);
    expect(h.drone.signingKey).toBeUndefined();
    expect(h.texts().some((t) => t.includes("Won't setup signing when armed"))).toBe(true);
    h.stop();
  });

  it('after it unsigned commands get no answer and the drone signs; an all-zero key (signed) turns it off', () => {
    const h = new GcsHarness();
    h.advance(1000);
    h.gcs.send(make(common.SetupSigning, { targetSystem: h.drone.sysid, targetComponent: 0, secretKey: KEY, initialTimestamp: 0n }));
    h.advance(200);
    expect(h.drone.signingKey).toEqual(Uint8Array.from(KEY));
    expect(h.droneSide.signing).toBe(true);
    const acksBefore = h.of(77).length;
    h.gcs.send(make(common.CommandLong, { targetSystem: h.drone.sysid, targetComponent: 1, command: common.MavCmd.REQUEST_MESSAGE, _param1: 148 }));
    h.advance(1000);
    expect(h.of(77).length).toBe(acksBefore);
    expect(h.droneSide.stats.rejectedUnsigned).toBeGreaterThan(0);
    // The GCS side takes the key, sends the all-zero key signed: the drone stops signing.
    h.gcs.setSigning({ key: Uint8Array.from(KEY), linkId: 0, unsigned: 'reject' });
    h.gcs.send(make(common.SetupSigning, { targetSystem: h.drone.sysid, targetComponent: 0, secretKey: new Array(32).fill(0), initialTimestamp: 0n }));
    h.advance(200);
    expect(h.drone.signingKey).toBeUndefined();
    expect(h.droneSide.signing).toBe(false);
    h.stop();
  });

  it('survives a simulator restart: a new drone on the same storage still signs and ignores unsigned commands; the all-zero key erases it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kongxun-sim-state-'));
    try {
      const warnings: string[] = [];
      const storage = () => fileSigningStorage(dir, 1, (l) => warnings.push(l));
      const first = new GcsHarness({ signingStorage: storage() });
      first.advance(1000);
      first.gcs.send(make(common.SetupSigning, { targetSystem: first.drone.sysid, targetComponent: 0, secretKey: KEY, initialTimestamp: 0n }));
      first.advance(200);
      expect(first.drone.signingKey).toEqual(Uint8Array.from(KEY));
      first.stop();
      const file = signingKeyFile(dir, 1);
      expect(statSync(file).mode & 0o777).toBe(0o600);

      // The simulator restarts: a new drone, the same storage folder.
      const second = new GcsHarness({ signingStorage: storage() });
      expect(second.drone.signingKey).toEqual(Uint8Array.from(KEY));
      expect(second.droneSide.signing).toBe(true);
      second.advance(1000);
      const acks = second.of(77).length;
      second.gcs.send(make(common.CommandLong, { targetSystem: second.drone.sysid, targetComponent: 1, command: common.MavCmd.REQUEST_MESSAGE, _param1: 148 }));
      second.advance(1000);
      expect(second.of(77).length).toBe(acks);
      // With the key the GCS is answered again; the all-zero key (signed) erases the stored one.
      second.gcs.setSigning({ key: Uint8Array.from(KEY), linkId: 0, unsigned: 'reject' });
      second.gcs.send(make(common.CommandLong, { targetSystem: second.drone.sysid, targetComponent: 1, command: common.MavCmd.REQUEST_MESSAGE, _param1: 148 }));
      second.advance(1000);
      expect(second.of(77).length).toBeGreaterThan(acks);
      second.gcs.send(make(common.SetupSigning, { targetSystem: second.drone.sysid, targetComponent: 0, secretKey: new Array(32).fill(0), initialTimestamp: 0n }));
      second.advance(200);
      second.stop();
      expect(existsSync(file)).toBe(false);
      const third = new GcsHarness({ signingStorage: storage() });
      expect(third.drone.signingKey).toBeUndefined();
      third.stop();

      // A damaged storage file: no key (signing off), and the simulator says why.
      writeFileSync(file, 'not a key\n', { mode: 0o600 });
      const fourth = new GcsHarness({ signingStorage: storage() });
      expect(fourth.drone.signingKey).toBeUndefined();
      fourth.stop();
      expect(warnings.join('\n')).toContain('not a signing key');
      expect(readFileSync(file, 'utf8')).toBe('not a key\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
