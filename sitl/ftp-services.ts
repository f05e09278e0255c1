/**
 * The file services of a simulated drone, in one place: its files (ftp-files.ts), the MAVFTP server and the
 * LOG_* server, and the radio model they pace their output by. SimDrone owns one and hands it the messages
 * of these protocols (FILE_TRANSFER_PROTOCOL 110, LOG_REQUEST_LIST 117, LOG_REQUEST_DATA 119, LOG_ERASE 121,
 * LOG_REQUEST_END 122).
 */
import { common } from 'mavlink-mappings';
import type { Clock } from '../common/clock.js';
import type { Received } from '../mavlink/connection.js';
import type { MavLinkData } from '../mavlink/codec/messages.js';
import { SimFiles } from './ftp-files.js';
import { FtpServer, type RadioModel } from './ftp-server.js';
import { LogServer } from './log-server.js';
import { LogStore } from './log-store.js';
import type { SimLink } from './link.js';
import type { ParamStore } from './params.js';

export interface FileServicesHost {
  readonly clock: Clock;
  readonly sysid: number;
  readonly compid: number;
  readonly params: ParamStore;
  readonly radio: RadioModel;
  sendOn(link: SimLink, msg: MavLinkData, peer?: string): void;
}

export class FileServices {
  readonly logs = new LogStore();
  readonly files: SimFiles;
  readonly ftp: FtpServer;
  readonly logServer: LogServer;

  constructor(private readonly host: FileServicesHost) {
    this.files = new SimFiles(host.params, this.logs);
    this.ftp = new FtpServer(host, this.files);
    this.logServer = new LogServer(host, this.logs);
  }

  /** Stop every transfer (the drone stopped). */
  stop(): void {
    this.ftp.stop();
    this.logServer.stop();
  }

  private forUs(targetSystem: number, targetComponent: number): boolean {
    return (targetSystem === 0 || targetSystem === this.host.sysid) && (targetComponent === 0 || targetComponent === this.host.compid);
  }

  /** Handle a received message of these protocols; returns false for any other message. */
  handle(link: SimLink, rx: Received): boolean {
    const m = rx.message;
    if (m instanceof common.FileTransferProtocol) {
      // MAVFTP is addressed to the autopilot (target_component 0 is accepted as broadcast).
      if (this.forUs(m.targetSystem, m.targetComponent)) this.ftp.onMessage(link, rx.peer, rx.frame.sysid, rx.frame.compid, m);
      return true;
    }
    if (m instanceof common.LogRequestList) {
      if (this.forUs(m.targetSystem, m.targetComponent)) this.logServer.requestList(link, rx.peer, m);
      return true;
    }
    if (m instanceof common.LogRequestData) {
      if (this.forUs(m.targetSystem, m.targetComponent)) this.logServer.requestData(link, rx.peer, m);
      return true;
    }
    if (m instanceof common.LogRequestEnd) {
      if (this.forUs(m.targetSystem, m.targetComponent)) this.logServer.stop();
      return true;
    }
    if (m instanceof common.LogErase) {
      if (this.forUs(m.targetSystem, m.targetComponent)) this.logServer.erase();
      return true;
    }
    return false;
  }
}
