/**
 * The words of the vehicle layer, in a file of their own so that the registry, the Vehicle and its services
 * can all use them without importing each other: what the registry reports (RegistryEvent), how a vehicle is
 * reached (its paths) and what else of its system speaks (components), and `VehicleHandle`, what a vehicle
 * service is built from.
 */
import type { Clock } from '../../common/clock.js';
import type { MavLinkData } from '../../mavlink/codec/messages.js';
import type { CommandOptions, CommandResult, CommandSpec } from '../../mavlink/services/command.js';
import type { MessageLink } from '../../mavlink/services/driver.js';
import type { PeerId } from '../../mavlink/transport/types.js';
import type { StatusTextEntry } from './statustext.js';
import type { StreamMethod } from './streams.js';
import type { VehicleState } from './vehicle-state.js';

type Ids = { sysid: number; compid: number };
export type RegistryEvent =
  | ({ type: 'vehicle-new' } & Ids)
  | ({ type: 'vehicle-lost' } & Ids)
  | ({ type: 'vehicle-regained' } & Ids)
  | ({ type: 'vehicle-rebooted' } & Ids)
  | ({ type: 'mode-changed'; from: string; to: string } & Ids)
  | ({ type: 'armed' } & Ids)
  | ({ type: 'disarmed' } & Ids)
  | ({ type: 'statustext'; entry: StatusTextEntry } & Ids)
  | ({ type: 'duplicate-sysid'; reason: string; links: string[] } & Ids)
  /** Signing is on with `--unsigned flag` and this vehicle sent an unsigned frame (once per vehicle). */
  | ({ type: 'unsigned-flagged'; link: string } & Ids)
  | ({ type: 'component-new'; componentId: number; mavType: number } & Ids)
  | ({ type: 'streams-requested'; method: StreamMethod } & Ids)
  /** A message the station asked for has not come for `silentMs` (or was refused: `refused` says how). */
  | ({ type: 'stream-missing'; message: string; msgid: number; hz: number; silentMs: number; usedFor: string; refused?: string } & Ids)
  | ({ type: 'stream-restored'; message: string; msgid: number; silentMs: number } & Ids)
  /** The drone's learned battery model (DATA/battery) was not used (`rejected`: the file failed its checks) or not saved. */
  | ({ type: 'battery-model'; problem: 'rejected' | 'write-failed' | 'capacity-changed'; reason: string } & Ids);
export type RegistryEventType = RegistryEvent['type'];

/** One way the vehicle is heard: a link and a peer on it, and when it last brought a frame. */
export interface PathInfo { link: string; peer: PeerId; lastRxMs: number }
/** Another component of the vehicle's system (camera, gimbal, companion). */
export interface ComponentInfo { compid: number; mavType: number; autopilot: number; lastHbMs: number }

/** How the station hears a vehicle: plain data, as the console and the CLI show it. */
export interface VehicleInfo {
  sysid: number;
  compid: number;
  lost: boolean;
  duplicateSysid: string | null;
  /** Frames of this vehicle that arrived unsigned on a signed link under `--unsigned flag` (accepted, flagged). */
  unsignedFrames: number;
  links: PathInfo[];
  components: ComponentInfo[];
  streams: StreamMethod | null;
  /**
   * The drone's parameters the console's route estimate reads (missions/plan/copter-return.ts), ArduPilot names
   * and units, from the last set the station read (its parameter cache at start, then each pull and set);
   * absent when it has read none of them.
   */
  copterParams?: Record<string, number>;
}

/**
 * What a vehicle service (commands, mission transfers, parameters, logs) is built from. The Vehicle
 * (vehicle.ts) is one; each service takes the part it uses (`Pick<VehicleHandle, …>`), which is what its tests fake.
 */
export interface VehicleHandle {
  readonly sysid: number;
  /** The autopilot component. */
  readonly compid: number;
  readonly clock: Clock;
  /** The station's own ids on the wire. */
  readonly gcsSysid: number;
  readonly gcsCompid: number;
  /** Sends on the vehicle's freshest path; hears every frame of its system on every path. */
  readonly link: MessageLink;
  /** The live state: a new object when its telemetry changes (a state once read keeps its values; its counters `links`, `rates`, `recent` stay live). */
  state(): VehicleState;
  /** One command transaction on the vehicle's command queue (one at a time per vehicle). */
  run(spec: CommandSpec, options?: CommandOptions): Promise<CommandResult>;
  /** Send one message on the freshest path (what the link's `send` returns). */
  send(message: MavLinkData): unknown;
  /** Each STATUSTEXT the vehicle's system completes (any component). Returns the unsubscribe function. */
  onStatusText(cb: (e: StatusTextEntry) => void): () => void;
  /** Called after each autopilot HEARTBEAT has been reduced into the state. */
  onHeartbeat(cb: (s: VehicleState) => void): () => void;
}
