/** The parameter and log services of one vehicle, sharing its MAVFTP client (see file-link.ts). */
import { LogService } from './logs.js';
import { VehicleFileLink, type VehicleLinkDeps } from './file-link.js';
import { ParamService } from './params.js';

export interface VehicleFiles {
  readonly link: VehicleFileLink;
  readonly params: ParamService;
  readonly logs: LogService;
}

export function createVehicleFiles(deps: VehicleLinkDeps): VehicleFiles {
  const link = new VehicleFileLink(deps);
  return { link, params: new ParamService(link), logs: new LogService(link) };
}
