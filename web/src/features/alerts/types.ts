// Alerts as the console shows them: the wire shapes of `GET /api/v1/alerts` and
// `GET /api/v1/alerts/:id` (contract/alerts.ts) with the title gathered into one field
// for alertTitleIn. Pure module: no DOM, no Vue.

import * as wire from '../../../../contract/alerts.ts';
import {
  ALERT_STATE_FILTERS,
  SEVERITIES,
  type AlertState,
  type AlertStateFilter,
  type Severity,
} from '../../../../contract/enums.ts';
import { decode } from '../../contract';
import { NO_TITLE, readAlertTitle, type AlertTitleFields } from './messages';

export { SEVERITIES, type AlertState, type Severity };
/** The `state` filter of the list API (`active` = open or acknowledged); the console offers all but `all`. */
export type StateFilter = Exclude<AlertStateFilter, 'all'>;
export const STATE_FILTERS: readonly StateFilter[] = ALERT_STATE_FILTERS.filter((s): s is StateFilter => s !== 'all');
export const KNOWN_RULES = [
  'parcel_late',
  'parcel_at_risk',
  'parcel_stalled',
  'parcel_suspected_lost',
  'hub_volume_low',
  'hub_volume_high',
  'hub_silent',
  'feed_behind',
  'hub_exception_spike',
  'hub_backlog',
  'lane_overdue',
  'courier_late_start',
  'courier_early_stop',
  'complaint_overdue',
  'incident',
] as const;

type TitleWire = 'title' | 'titleKey' | 'titleParams';

export type Alert = Omit<wire.Alert, TitleWire> & {
  /** A message key and parameters, or a person's words: render with alertTitleIn (./messages.ts). */
  title: AlertTitleFields;
};
export type HistoryEntry = wire.AlertHistoryEntry;
export type AlertParcel = wire.AlertParcel;
export interface AlertDetail {
  alert: Alert;
  history: HistoryEntry[];
  parcels: AlertParcel[];
}

/** The title fields of a wire object gathered into one (NO_TITLE when it has none). */
export function withTitle<T extends Partial<Record<TitleWire, unknown>>>(
  v: T,
): Omit<T, TitleWire> & { title: AlertTitleFields } {
  const { title: _t, titleKey: _k, titleParams: _p, ...rest } = v;
  return { ...rest, title: readAlertTitle(v) ?? NO_TITLE };
}

/** `{ alerts: [...] }`, or null when it does not fit the contract. */
export function parseAlertList(value: unknown): Alert[] | null {
  return decode(wire.alertList, value)?.alerts.map(withTitle) ?? null;
}

/** A `/alerts/:id` answer as the console shows it. */
export const alertDetailView = (d: wire.AlertDetail): AlertDetail => ({ ...d, alert: withTitle(d.alert) });

export function parseAlertDetail(value: unknown): AlertDetail | null {
  const d = decode(wire.alertDetail, value);
  return d ? alertDetailView(d) : null;
}

/** `{ alert: {...} }` from acknowledge/resolve. */
export function parseAlertEnvelope(value: unknown): Alert | null {
  const a = decode(wire.alertEnvelope, value)?.alert;
  return a ? withTitle(a) : null;
}
