/**
 * What the parameter and log services need of one vehicle: its ids, a link that sends to it and hears only
 * it, the clock, its live state (armed / landed), a way to run a command through its command queue, our
 * GCS ids, the station's data folder, and one MAVFTP client shared by both services (MAVFTP serves one
 * request at a time, so parameters and logs must not run FTP operations side by side).
 *
 * `identity()` asks for AUTOPILOT_VERSION (MAV_CMD_REQUEST_MESSAGE 148) and returns what identifies the
 * firmware and board: the parameter cache keys on it, and its capabilities say whether MAVFTP exists.
 */
import { common, standard } from 'mavlink-mappings';
import { quirksFor, type Quirks } from '../../mavlink/quirks.js';
import { FtpClient } from '../../mavlink/services/ftp/client.js';
import type { Param } from '../../mavlink/services/param/types.js';
import type { VehicleHandle } from './vehicle-types.js';

/** What the parameter and log services use of their vehicle (the Vehicle). */
export type FileVehicle = Pick<VehicleHandle, 'sysid' | 'compid' | 'clock' | 'link' | 'state' | 'run' | 'gcsSysid' | 'gcsCompid'>;

export interface VehicleIdentity {
  flightSwVersion: number;
  /** flight_custom_version as hex (ArduPilot: the git hash's ASCII). */
  flightCustom: string;
  /** uid and uid2 as hex: the board. */
  uid: string;
  capabilities: bigint;
}

export const CAP_PARAM_ENCODE_BYTEWISE = 1n << 4n;
export const CAP_FTP = 1n << 5n;
export const CAP_PARAM_ENCODE_C_CAST = 1n << 17n;

const hex = (a: readonly number[]): string => a.map((b) => (b & 0xff).toString(16).padStart(2, '0')).join('');

export class VehicleFileLink {
  readonly ftp: FtpClient;
  private ident: VehicleIdentity | undefined;

  /**
   * `dataDir`: the station's data folder (the parameter cache, downloaded logs). `paramsRead`: told the parameters
   * read from the vehicle — a whole set after a pull (`whole`), one after a set.
   */
  constructor(
    readonly vehicle: FileVehicle,
    readonly dataDir: string,
    readonly paramsRead?: (params: readonly Param[], whole: boolean) => void,
  ) {
    this.ftp = new FtpClient({
      clock: vehicle.clock,
      link: vehicle.link,
      target: { sysid: vehicle.sysid, compid: vehicle.compid },
      gcsSysid: vehicle.gcsSysid,
      gcsCompid: vehicle.gcsCompid,
      currentRttMs: () => vehicle.state().rttMs ?? undefined,
    });
  }

  get quirks(): Quirks {
    return quirksFor(this.vehicle.state().autopilot);
  }

  /** ms of the measured round trip, if known. */
  get rttMs(): number | undefined {
    return this.vehicle.state().rttMs ?? undefined;
  }

  encoding(id: VehicleIdentity | undefined): 'cast' | 'bytewise' {
    if (id && (id.capabilities & CAP_PARAM_ENCODE_BYTEWISE) !== 0n) return 'bytewise';
    if (id && (id.capabilities & CAP_PARAM_ENCODE_C_CAST) !== 0n) return 'cast';
    return this.quirks.paramEncoding;
  }

  /**
   * AUTOPILOT_VERSION, asked for up to `tries` times (the command can be ACKed and the message still be
   * lost); the last one seen when the vehicle does not answer now; undefined when it never did.
   */
  async identity(timeoutMs = 1500, tries = 4): Promise<VehicleIdentity | undefined> {
    for (let i = 0; i < tries; i++) {
      const id = await this.identityOnce(timeoutMs);
      if (id) {
        this.ident = id;
        return id;
      }
    }
    return this.ident;
  }

  private async identityOnce(timeoutMs: number): Promise<VehicleIdentity | undefined> {
    const { clock, link, sysid } = this.vehicle;
    let off: () => void = () => {};
    let timer: number | undefined;
    const got = new Promise<VehicleIdentity | undefined>((resolve) => {
      off = link.onMessage((r) => {
        const m = r.message;
        if (r.frame.sysid !== sysid || !(m instanceof standard.AutopilotVersion)) return;
        resolve({
          flightSwVersion: m.flightSwVersion,
          flightCustom: hex(m.flightCustomVersion),
          uid: `${m.uid.toString(16)}-${hex(m.uid2)}`,
          capabilities: BigInt(m.capabilities),
        });
      });
      timer = clock.setTimeout(() => resolve(undefined), timeoutMs);
    });
    void this.vehicle.run({ kind: 'long', command: common.MavCmd.REQUEST_MESSAGE, params: [148], targetSystem: sysid, targetComponent: this.vehicle.compid });
    const id = await got;
    off();
    if (timer !== undefined) clock.clearTimeout(timer);
    return id;
  }

  /** Why a long transfer must not start now, or undefined. */
  flyingReason(): string | undefined {
    const s = this.vehicle.state();
    if (!s || !s.armed) return undefined;
    if (s.landedState === 'ON_GROUND') return undefined;
    return `sys${this.vehicle.sysid} is armed${s.landedState ? ` (${s.landedState})` : ''}: a full transfer would take the radio away from telemetry and commands in flight; land and disarm first`;
  }
}
