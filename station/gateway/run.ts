/**
 * Carrying out a command the gateway allowed: the one mapping from the gateway's commands (the console's
 * VehicleCommand, the CLI's speed and reboot) to the vehicle command API (station/vehicle/commands.ts).
 */
import type { CommandReply, VehicleCommands } from '../vehicle/commands.js';
import type { WireItem } from '../../mavlink/services/mission/types.js';
import type { ListItem } from '../../missions/plan/flight-check.js';
import type { GatewayCommand } from './gateway.js';

export async function runGatewayCommand(c: VehicleCommands, cmd: Exclude<GatewayCommand, { command: 'release' }>): Promise<CommandReply> {
  switch (cmd.command) {
    case 'arm':
      return c.arm();
    case 'disarm':
      return c.disarm(cmd.force ?? false);
    case 'mode':
      return c.setMode(cmd.mode);
    case 'takeoff':
      return c.takeoff(cmd.altRelM, { arm: true });
    case 'land':
      return c.land();
    case 'rtl':
      return c.rtl();
    case 'pause':
      return c.pause();
    case 'continue':
      return c.continue();
    case 'goto':
      return c.goto(cmd.latDeg, cmd.lonDeg, cmd.altRelM);
    case 'orbit':
      return c.orbit(cmd.latDeg, cmd.lonDeg, cmd.radiusM, cmd.velocityMps ?? 5);
    case 'camera':
      if (cmd.action === 'record-start') return c.videoStartCapture();
      if (cmd.action === 'record-stop') return c.videoStopCapture();
      if (cmd.action === 'photo') return c.takePhoto();
      return c.cameraZoom(cmd.zoomPct ?? 0);
    case 'gimbal':
      return c.gimbal(cmd.pitchDeg ?? NaN, cmd.yawDeg ?? NaN);
    case 'speed':
      return c.changeSpeed(cmd.groundSpeedMps);
    case 'reboot':
      return c.reboot();
  }
}

/** Wire items as the flight check reads them. */
export function planItems(items: readonly WireItem[]): ListItem[] {
  return items.map((it) => ({ seq: it.seq, command: it.command, frame: it.frame, x: it.x, y: it.y, z: it.z }));
}
