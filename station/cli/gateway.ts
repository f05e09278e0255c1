/**
 * The CLI's way through the command gateway: `kongxun command`, `mission upload|clear`, `fly` and `params set`
 * act as `cli:<os user>` (a pilot's rights), are checked against the station's rules (`--station`, or the sample
 * station as `kongxun serve` uses it) and audited in DATA/audit.sqlite like every console command.
 */
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { Clock } from '../../common/clock.js';
import { err, ok, type Result } from '../../common/result.js';
import { defaultDataDir } from '../storage/data-dir.js';
import { openGateway, type CommandGateway } from '../gateway/gateway.js';
import type { Principal } from '../gateway/principal.js';
import { loadStationFiles } from '../files/station-files.js';
import { flag, type FlagSpec, type ParsedArgs } from './args.js';

export const GATEWAY_FLAGS: Record<string, FlagSpec> = {
  station: { type: 'string', describe: "the station's GeoJSON whose rules apply (default: the sample station)" },
  override: { type: 'string', describe: "a pilot's written reason to send what the station's rules refuse (outside the jurisdiction, a no-fly zone, above the ceiling); kept in the audit" },
};

export function cliPrincipal(): Principal {
  let osUser: string;
  try {
    osUser = userInfo().username;
  } catch {
    osUser = process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
  return { kind: 'cli', osUser };
}

export interface CliGateway {
  gateway: CommandGateway;
  who: Principal;
  override: { reason: string } | undefined;
}

export function cliGateway(a: ParsedArgs, clock: Clock, command: string): Result<CliGateway> {
  const files = loadStationFiles(flag(a, 'station'), undefined);
  if (!files.ok) return err('usage', `kongxun ${command}: ${files.reason}`);
  const g = openGateway({ clock, dataDir: resolve(flag(a, 'data') ?? defaultDataDir()), geography: files.value.geojson });
  if (!g.ok) return err('audit', `kongxun ${command}: ${g.reason}`);
  const reason = flag(a, 'override');
  return ok({ gateway: g.value, who: cliPrincipal(), override: reason !== undefined ? { reason } : undefined });
}
