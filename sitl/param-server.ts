/**
 * The parameter protocol, vehicle side: PARAM_REQUEST_LIST (the 3-line banner, then every PARAM_VALUE in
 * index order), PARAM_REQUEST_READ by name or index, PARAM_SET (stored, then echoed as PARAM_VALUE with
 * param_index 65535 on every link the GCS spoke on, as ArduPilot announces changes). An unknown name gets
 * no answer (the GCS times out), as on ArduPilot.
 */
import { common } from 'mavlink-mappings';
import { make, type MavLinkData } from '../mavlink/codec/messages.js';
import { BANNER } from './boot.js';
import type { SimLink } from './link.js';
import type { ParamDef, ParamStore } from './params.js';

export interface ParamHost {
  readonly params: ParamStore;
  sendOn(link: SimLink, msg: MavLinkData, peer?: string): void;
  broadcast(msg: MavLinkData, activeOnly?: boolean): void;
  text(severity: number, text: string): void;
}

export class ParamServer {
  constructor(private readonly host: ParamHost) {}

  value(d: ParamDef, index: number): MavLinkData {
    return make(common.ParamValue, {
      paramId: d.name,
      paramValue: d.value,
      paramType: d.type,
      paramCount: this.host.params.count,
      paramIndex: index,
    });
  }

  requestList(link: SimLink, peer: string | undefined): void {
    for (const line of BANNER) this.host.text(common.MavSeverity.INFO, line);
    const p = this.host.params;
    for (let i = 0; i < p.count; i++) {
      const d = p.at(i)!;
      this.host.sendOn(link, this.value(d, i), peer);
    }
  }

  requestRead(link: SimLink, peer: string | undefined, m: common.ParamRequestRead): void {
    const p = this.host.params;
    const d = m.paramIndex >= 0 ? p.at(m.paramIndex) : p.byName(m.paramId);
    if (d) this.host.sendOn(link, this.value(d, d.index), peer);
  }

  set(m: common.ParamSet): void {
    const d = this.host.params.set(m.paramId, m.paramValue);
    if (!d) return;
    this.host.broadcast(this.value(d, 65535), true);
  }
}
