/**
 * SETUP_SIGNING on the simulator, as ArduPilot handles it (GCS_Signing.cpp): refused while armed (with its
 * text); otherwise the key takes effect at once, the drone signs what it sends and drops unsigned commands
 * without an answer; an all-zero key turns signing off.
 */
import { common } from 'mavlink-mappings';
import { describe, expect, it } from 'vitest';
import { make } from '../mavlink/codec/messages.js';
import { GcsHarness } from './testkit.js';

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
});
