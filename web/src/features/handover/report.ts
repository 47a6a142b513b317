// The shift handover report of `GET /api/v1/handover`: the wire schema is contract/handover.ts
// (any malformed field rejects the whole report); the alert titles are gathered into one
// field for alertTitleIn. Pure module.

import * as wire from '../../../../contract/handover.ts';
import { decode } from '../../contract';
import { withTitle } from '../alerts/types';
import type { AlertTitleFields } from '../alerts/messages';

export type { ActivityAction, AlertCounts, HandoverKpis, Holder, TierOnTime } from '../../../../contract/handover.ts';
import type { AlertCounts, TierOnTime } from '../../../../contract/handover.ts';

type Titled<T> = Omit<T, 'title' | 'titleKey' | 'titleParams'> & {
  /** A message key and parameters, or a person's words (alerts/messages.ts). */
  title: AlertTitleFields;
};
type WireReport = wire.HandoverReport;
type WireList = WireReport['alerts']['opened'];

export type ActivityItem = Titled<WireList['items'][number]>;
export interface ActivityList {
  /** All of them in the shift; `items` may stop earlier. */
  total: number;
  items: ActivityItem[];
}
export type OpenAlert = Titled<WireReport['stillOpen']['items'][number]>;
export type Incident = wire.IncidentInShift;
export type Silence = wire.SilenceInShift;

export type HandoverReport = Omit<WireReport, 'alerts' | 'stillOpen'> & {
  alerts: { opened: ActivityList; acknowledged: ActivityList; resolved: ActivityList; escalated: ActivityList };
  stillOpen: { truncated: boolean; items: OpenAlert[] };
};

const list = (l: WireList): ActivityList => ({ total: l.total, items: l.items.map(withTitle) });

/** The report, or null when it does not fit the contract. */
export function parseHandover(value: unknown): HandoverReport | null {
  const r = decode(wire.handoverReport, value);
  return r ? handoverView(r) : null;
}

/** A report that fits the contract, as the page shows it. */
export function handoverView(r: WireReport): HandoverReport {
  const { opened, acknowledged, resolved, escalated } = r.alerts;
  return {
    ...r,
    alerts: {
      opened: list(opened),
      acknowledged: list(acknowledged),
      resolved: list(resolved),
      escalated: list(escalated),
    },
    stillOpen: { truncated: r.stillOpen.truncated, items: r.stillOpen.items.map(withTitle) },
  };
}

/** On-time rate of a tier, 0..1: on time / (delivered − excused); null when nothing counts. */
export function onTimeRate(t: TierOnTime): number | null {
  const counted = t.delivered - t.excused;
  return counted > 0 ? t.onTime / counted : null;
}

/** Open alerts of an instant, all severities, muted ones included. */
export function totalOpen(c: AlertCounts): number {
  return c.critical + c.warning + c.info + c.muted;
}
