/**
 * Camera control through MAVLink (station/vehicle/commands.ts): start/stop recording, one photo with a sequence number
 * counting up, zoom as a share of the range — the right MAV_CMD and parameters, and a camera without zoom
 * answers UNSUPPORTED as a plain refusal, not a crash.
 */
import { common } from 'mavlink-mappings';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock.js';
import { outcomeOf, type CommandResult, type CommandSpec } from '../../mavlink/services/command.js';
import { VehicleCommands, type CommandVehicle } from '../../station/vehicle/commands.js';
import { initialVehicleState } from '../../station/vehicle/vehicle-state.js';

const C = common.MavCmd;

function fakeTarget(answer: (s: CommandSpec) => number): CommandVehicle & { specs: CommandSpec[] } {
  const specs: CommandSpec[] = [];
  return {
    specs,
    sysid: 3,
    compid: 1,
    clock: new FakeClock(),
    state: () => initialVehicleState(3, 1, 3, 2),
    run: (spec): Promise<CommandResult> => {
      specs.push(spec);
      const r = answer(spec);
      return Promise.resolve({ outcome: outcomeOf(r), mavResult: r, resultParam2: 0, progressPct: undefined, attempts: 1, rttMs: 5, elapsedMs: 5 });
    },
    send: () => true,
    onStatusText: () => () => undefined,
    onHeartbeat: () => () => undefined,
  };
}

describe('camera commands', () => {
  it('build VIDEO_START/STOP_CAPTURE, IMAGE_START_CAPTURE and SET_CAMERA_ZOOM', async () => {
    const v = fakeTarget((s) => (s.command === C.SET_CAMERA_ZOOM ? common.MavResult.UNSUPPORTED : common.MavResult.ACCEPTED));
    const c = new VehicleCommands(v, { refusalTextGraceMs: 0 });
    expect((await c.videoStartCapture()).ok).toBe(true);
    expect((await c.videoStopCapture()).ok).toBe(true);
    expect((await c.takePhoto()).ok).toBe(true);
    expect((await c.takePhoto()).ok).toBe(true);
    const z = c.cameraZoom(150);
    let done = false;
    void z.then(() => (done = true));
    // A refusal waits (on the injected clock) for a STATUSTEXT that explains it.
    for (let i = 0; i < 1000 && !done; i++) {
      (v.clock as FakeClock).advance(10);
      for (let k = 0; k < 3; k++) await Promise.resolve();
    }
    const zr = await z;
    expect(zr.ok).toBe(false);
    if (!zr.ok) expect(zr.code).toBe('unsupported');
    expect(v.specs.map((s) => [s.command, s.params, s.targetSystem])).toEqual([
      [C.VIDEO_START_CAPTURE, [0, 0], 3],
      [C.VIDEO_STOP_CAPTURE, [0], 3],
      [C.IMAGE_START_CAPTURE, [0, 0, 1, 1], 3],
      [C.IMAGE_START_CAPTURE, [0, 0, 1, 2], 3],
      [C.SET_CAMERA_ZOOM, [common.CameraZoomType.RANGE, 100], 3],
    ]);
  });
});
