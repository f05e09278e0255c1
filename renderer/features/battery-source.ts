/**
 * What the drone card says of its battery time's source (a screen shows what a figure is): learned from the
 * drone's own flights, or only estimated from its parameters (BATT_CAPACITY and the cell count,
 * docs/battery.md), or partly that. None without a figure, or from an older station that does not say.
 */
import type { VehicleView } from '../../common/api/contract.js';
import type { StringKey } from '../i18n.js';

export function batterySourceKey(v: Pick<VehicleView, 'batteryTimeLeftS' | 'batteryTimeLeftSource'>): StringKey | null {
  if (v.batteryTimeLeftS === null) return null;
  switch (v.batteryTimeLeftSource) {
    case 'learned':
      return 'timeLeftSourceLearned';
    case 'prior':
      return 'timeLeftSourcePrior';
    case 'mixed':
      return 'timeLeftSourceMixed';
    default:
      return null;
  }
}
