/** The parameter and log services of one vehicle, sharing its MAVFTP client (see file-link.ts). */
import { LogService } from './logs.js';
import { VehicleFileLink, type FileVehicle } from './file-link.js';
import { ParamService } from './params.js';
import type { Param } from '../../mavlink/services/param/types.js';

export interface VehicleFiles {
  readonly link: VehicleFileLink;
  readonly params: ParamService;
  readonly logs: LogService;
}

/** The services of `vehicle`, keeping their cache and downloads in the station's data folder `dataDir`; `paramsRead` is told what parameters were read. */
export function createVehicleFiles(vehicle: FileVehicle, dataDir: string, paramsRead?: (params: readonly Param[], whole: boolean) => void): VehicleFiles {
  const link = new VehicleFileLink(vehicle, dataDir, paramsRead);
  return { link, params: new ParamService(link), logs: new LogService(link) };
}
