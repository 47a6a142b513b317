// Pure helpers of the alerts page: URL filters, filtering, sorting, labels, CSV.
// No DOM, no Vue (i18n's `t` is a plain function over a ref).

import type { AlertChangeMessage } from '../../composables/liveProtocol';
import { formatClock } from '../../format';
import { isMessageKey, lang, t } from '../../i18n';
import { buildCsv, csvCell } from '../../csv';
import { SHANGHAI_OFFSET_MS } from '../../shanghai';
import { alertTitleIn, type AlertTitleFields } from './messages';
import { SEVERITIES, STATE_FILTERS, type Alert, type AlertParcel, type Severity, type StateFilter } from './types';

export interface AlertFilters {
  severity: Severity | null;
  rule: string | null;
  hub: string | null;
  state: StateFilter;
}

export const DEFAULT_FILTERS: AlertFilters = { severity: null, rule: null, hub: null, state: 'active' };

type QueryValue = string | null | undefined | ReadonlyArray<string | null>;

function first(value: QueryValue): string | null {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === 'string' && v.length > 0 ? v : null;
}

const RULE_RE = /^[a-z_]{1,40}$/;
const HUB_RE = /^[A-Z0-9-]{2,16}$/;

/** Reads the filters from a route query; anything invalid falls back to "no filter". */
export function filtersFromQuery(query: Record<string, QueryValue>): AlertFilters {
  const severity = first(query.severity);
  const rule = first(query.rule);
  const hub = first(query.hub);
  const state = first(query.state);
  return {
    severity: severity && (SEVERITIES as readonly string[]).includes(severity) ? (severity as Severity) : null,
    rule: rule && RULE_RE.test(rule) ? rule : null,
    hub: hub && HUB_RE.test(hub) ? hub : null,
    state: state && (STATE_FILTERS as readonly string[]).includes(state) ? (state as StateFilter) : 'active',
  };
}

/** The query for a set of filters: defaults are left out so links stay short. */
export function filtersToQuery(f: AlertFilters): Record<string, string> {
  const q: Record<string, string> = {};
  if (f.severity) q.severity = f.severity;
  if (f.rule) q.rule = f.rule;
  if (f.hub) q.hub = f.hub;
  if (f.state !== 'active') q.state = f.state;
  return q;
}

function stateMatches(state: string, filter: StateFilter): boolean {
  return filter === 'active' ? state === 'open' || state === 'acknowledged' : state === filter;
}

export function filterAlerts(alerts: readonly Alert[], f: AlertFilters): Alert[] {
  return alerts.filter(
    (a) =>
      stateMatches(a.state, f.state) &&
      (!f.severity || a.severity === f.severity) &&
      (!f.rule || a.rule === f.rule) &&
      (!f.hub || a.hubCode === f.hub),
  );
}

export function severityRank(severity: string): number {
  const i = (SEVERITIES as readonly string[]).indexOf(severity);
  return i === -1 ? SEVERITIES.length : i;
}

/** By impact: most severe first, then most parcels affected, then most recently opened, then highest id (stable). */
export function sortAlerts(alerts: readonly Alert[]): Alert[] {
  return [...alerts].sort((a, b) => {
    const bySeverity = severityRank(a.severity) - severityRank(b.severity);
    if (bySeverity !== 0) return bySeverity;
    const byImpact = (b.itemCount ?? 0) - (a.itemCount ?? 0);
    if (byImpact !== 0) return byImpact;
    const ta = Date.parse(a.openedAt);
    const tb = Date.parse(b.openedAt);
    const byTime = (Number.isFinite(tb) ? tb : 0) - (Number.isFinite(ta) ? ta : 0);
    return byTime !== 0 ? byTime : b.id - a.id;
  });
}

/** Distinct sorted values for the filter drop-downs. */
export function distinctValues(alerts: readonly Alert[], pick: (a: Alert) => string | null): string[] {
  const set = new Set<string>();
  for (const a of alerts) {
    const v = pick(a);
    if (v) set.add(v);
  }
  return [...set].sort();
}

function label(prefix: string, value: string): string {
  const key = `${prefix}.${value}`;
  return isMessageKey(key) ? t(key) : value;
}

/** Translated rule name; unknown rules are shown as sent by the server. */
export const ruleLabel = (rule: string): string => label('alerts.rule', rule);
/** An alert's title in the screen's language, from its message key and parameters (./messages.ts), or as a person wrote it. */
export const titleLabel = (title: AlertTitleFields): string => alertTitleIn(lang.value, title);
export const severityLabel = (severity: string): string => label('alerts.sev', severity);
export const stateLabel = (state: string): string => label('alerts.state', state);
export const actionLabel = (action: string): string => label('alerts.action', action);
export const parcelStatusLabel = (status: string): string => label('alerts.pstatus', status);

/** Beijing "YYYY-MM-DD HH:MM" (clock part from formatClock); "—" when missing or invalid. */
export function formatBeijingDateTime(time: string | number | null | undefined): string {
  if (time === null || time === undefined) return '—';
  const ms = typeof time === 'number' ? time : Date.parse(time);
  if (!Number.isFinite(ms)) return '—';
  const d = new Date(ms + SHANGHAI_OFFSET_MS);
  const date = `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
  return `${date} ${formatClock(ms)}`;
}

/** Compact Beijing "MM-DD HH:MM" for dense tables; "—" when missing or invalid. */
export function formatBeijingShort(time: string | number | null | undefined): string {
  const full = formatBeijingDateTime(time);
  return full === '—' ? full : full.slice(5);
}

/** The muted badge: flapping (shown, no page until a time) or muted by a silence, a window or an incident. */
export function mutedLabel(a: { muted: boolean; flappingUntil?: string | null | undefined }): string {
  if (a.flappingUntil) return t('alerts.flapping', { until: formatBeijingShort(a.flappingUntil) });
  return t('alerts.muted');
}

/** Whether a live message should page the on-call person (sound + notification). */
export function pagingChanges(changes: readonly AlertChangeMessage[]): AlertChangeMessage[] {
  return changes.filter(
    (c) => (c.action === 'opened' || c.action === 'raised') && c.severity === 'critical' && c.muted !== true,
  );
}

/** CSV lives in ../csv.ts (one formula guard for every export); re-exported for the alert page's callers. */
export { buildCsv, csvCell };

/** The parcel list of an alert as CSV (times in Beijing time, ISO columns kept for machines). */
export function parcelsCsv(parcels: readonly AlertParcel[]): string {
  return buildCsv(
    ['waybill', 'status', 'tier', 'last_scan_hub', 'last_scan_beijing', 'deadline_beijing', 'last_scan_at', 'deadline'],
    parcels.map((p) => [
      p.waybill,
      p.status,
      p.tier,
      p.lastScanHub,
      p.lastScanAt ? formatBeijingDateTime(p.lastScanAt) : '',
      p.deadline ? formatBeijingDateTime(p.deadline) : '',
      p.lastScanAt,
      p.deadline,
    ]),
  );
}

export function csvFileName(alertId: number, now = new Date()): string {
  const stamp = formatBeijingDateTime(now.getTime()).replace(/[-: ]/g, '');
  return `alert-${alertId}-parcels-${stamp}.csv`;
}
