// The shift handover report of `GET /api/v1/handover`, and its runtime validator.
// Any malformed field rejects the whole report (like contract.ts). Pure module.

import { isRecord, SEVERITIES, TIERS, type Severity, type Tier } from '../contract';
import { readAlertTitle, type AlertTitleFields } from '../alerts/messages';

export interface TierOnTime {
  delivered: number;
  onTime: number;
  /** Late because of the consignee: counted on neither side of the rate. */
  excused: number;
}

export type AlertCounts = Record<Severity, number> & { muted: number };

export interface HandoverKpis {
  start: { inFlight: number; openAlerts: AlertCounts };
  end: { inFlight: number; openAlerts: AlertCounts };
  during: { collected: number; delivered: number; returned: number; exceptions: number; onTime: Record<Tier, TierOnTime> };
}

export type ActivityAction = 'opened' | 'acknowledged' | 'resolved' | 'auto_resolved' | 'escalated';

export interface ActivityItem {
  alertId: number;
  action: ActivityAction;
  at: string;
  by: string | null;
  comment: string;
  level: number | null;
  rule: string;
  hubCode: string | null;
  severity: string;
  /** A message key and parameters, or a person's words (alerts/messages.ts). */
  title: AlertTitleFields;
}

export interface ActivityList {
  /** All of them in the shift; `items` may stop earlier. */
  total: number;
  items: ActivityItem[];
}

export type Holder =
  | { kind: 'acknowledged'; by: string | null; at: string }
  | { kind: 'escalated'; level: number }
  | { kind: 'unowned' };

export interface OpenAlert {
  id: number;
  rule: string;
  hubCode: string | null;
  severity: string;
  title: AlertTitleFields;
  itemCount: number;
  openedAt: string;
  escalationLevel: number;
  muted: boolean;
  holder: Holder;
}

export interface Incident {
  id: number;
  hubCode: string | null;
  kind: string | null;
  title: string;
  comment: string | null;
  openedAt: string;
  openedBy: string | null;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
}

export interface Silence {
  id: number;
  kind: string;
  rule: string | null;
  hubCode: string | null;
  startsAt: string;
  endsAt: string;
  comment: string;
  createdBy: string | null;
}

export interface HandoverReport {
  from: string;
  to: string;
  /** Where the figures stop: `to`, or now for the shift still running. */
  end: string;
  complete: boolean;
  kpis: HandoverKpis;
  alerts: { opened: ActivityList; acknowledged: ActivityList; resolved: ActivityList; escalated: ActivityList };
  stillOpen: { truncated: boolean; items: OpenAlert[] };
  incidents: Incident[];
  silences: Silence[];
}

const ACTIONS: readonly string[] = ['opened', 'acknowledged', 'resolved', 'auto_resolved', 'escalated'];

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isId = (v: unknown): v is number => isCount(v) && v > 0;
const isString = (v: unknown): v is string => typeof v === 'string';
const isTime = (v: unknown): v is string => typeof v === 'string' && Number.isFinite(Date.parse(v));
const isOptString = (v: unknown): v is string | null => v === null || isString(v);
const isOptTime = (v: unknown): v is string | null => v === null || isTime(v);

/** Maps every element, or null when one of them is invalid. */
function all<T>(value: unknown, parse: (v: unknown) => T | null): T[] | null {
  if (!Array.isArray(value)) return null;
  const out: T[] = [];
  for (const v of value) {
    const p = parse(v);
    if (p === null) return null;
    out.push(p);
  }
  return out;
}

function parseAlertCounts(v: unknown): AlertCounts | null {
  if (!isRecord(v) || !isCount(v.muted) || !SEVERITIES.every((s) => isCount(v[s]))) return null;
  return { critical: v.critical as number, warning: v.warning as number, info: v.info as number, muted: v.muted };
}

function parseInstant(v: unknown): { inFlight: number; openAlerts: AlertCounts } | null {
  if (!isRecord(v) || !isCount(v.inFlight)) return null;
  const openAlerts = parseAlertCounts(v.openAlerts);
  return openAlerts ? { inFlight: v.inFlight, openAlerts } : null;
}

function parseTierOnTime(v: unknown): TierOnTime | null {
  if (!isRecord(v) || !isCount(v.delivered) || !isCount(v.onTime) || !isCount(v.excused)) return null;
  if (v.onTime + v.excused > v.delivered) return null;
  return { delivered: v.delivered, onTime: v.onTime, excused: v.excused };
}

function parseKpis(v: unknown): HandoverKpis | null {
  if (!isRecord(v)) return null;
  const start = parseInstant(v.start);
  const end = parseInstant(v.end);
  const d = v.during;
  if (!start || !end || !isRecord(d) || !isRecord(d.onTime)) return null;
  if (!isCount(d.collected) || !isCount(d.delivered) || !isCount(d.returned) || !isCount(d.exceptions)) return null;
  const onTime = {} as Record<Tier, TierOnTime>;
  for (const tier of TIERS) {
    const p = parseTierOnTime(d.onTime[tier]);
    if (!p) return null;
    onTime[tier] = p;
  }
  return { start, end, during: { collected: d.collected, delivered: d.delivered, returned: d.returned, exceptions: d.exceptions, onTime } };
}

function parseActivityItem(v: unknown): ActivityItem | null {
  if (!isRecord(v)) return null;
  const { alertId, action, at, by, comment, level, rule, hubCode, severity } = v;
  const title = readAlertTitle(v);
  if (!isId(alertId) || !isString(action) || !ACTIONS.includes(action) || !isTime(at) || !isOptString(by)) return null;
  if (!isString(comment) || !(level === null || isCount(level)) || !isString(rule) || !isOptString(hubCode)) return null;
  if (!isString(severity) || !title) return null;
  return { alertId, action: action as ActivityAction, at, by, comment, level, rule, hubCode, severity, title };
}

function parseActivityList(v: unknown): ActivityList | null {
  if (!isRecord(v) || !isCount(v.total)) return null;
  const items = all(v.items, parseActivityItem);
  return items && items.length <= v.total ? { total: v.total, items } : null;
}

function parseHolder(v: unknown): Holder | null {
  if (!isRecord(v)) return null;
  if (v.kind === 'acknowledged' && isOptString(v.by) && isTime(v.at)) return { kind: 'acknowledged', by: v.by, at: v.at };
  if (v.kind === 'escalated' && isId(v.level)) return { kind: 'escalated', level: v.level };
  if (v.kind === 'unowned') return { kind: 'unowned' };
  return null;
}

function parseOpenAlert(v: unknown): OpenAlert | null {
  if (!isRecord(v)) return null;
  const { id, rule, hubCode, severity, itemCount, openedAt, escalationLevel, muted } = v;
  const title = readAlertTitle(v);
  const holder = parseHolder(v.holder);
  if (!holder || !isId(id) || !isString(rule) || !isOptString(hubCode) || !isString(severity) || !title) return null;
  if (!isCount(itemCount) || !isTime(openedAt) || !isCount(escalationLevel) || typeof muted !== 'boolean') return null;
  return { id, rule, hubCode, severity, title, itemCount, openedAt, escalationLevel, muted, holder };
}

function parseIncident(v: unknown): Incident | null {
  if (!isRecord(v)) return null;
  const { id, hubCode, kind, title, comment, openedAt, openedBy, acknowledgedAt, acknowledgedBy, resolvedAt, resolvedBy } = v;
  if (!isId(id) || !isOptString(hubCode) || !isOptString(kind) || !isString(title) || !isOptString(comment)) return null;
  if (!isTime(openedAt) || !isOptString(openedBy) || !isOptTime(acknowledgedAt) || !isOptString(acknowledgedBy)) return null;
  if (!isOptTime(resolvedAt) || !isOptString(resolvedBy)) return null;
  return { id, hubCode, kind, title, comment, openedAt, openedBy, acknowledgedAt, acknowledgedBy, resolvedAt, resolvedBy };
}

function parseSilence(v: unknown): Silence | null {
  if (!isRecord(v)) return null;
  const { id, kind, rule, hubCode, startsAt, endsAt, comment, createdBy } = v;
  if (!isId(id) || !isString(kind) || !isOptString(rule) || !isOptString(hubCode) || !isTime(startsAt) || !isTime(endsAt)) return null;
  if (!isString(comment) || !isOptString(createdBy)) return null;
  return { id, kind, rule, hubCode, startsAt, endsAt, comment, createdBy };
}

export function parseHandover(value: unknown): HandoverReport | null {
  if (!isRecord(value)) return null;
  const { from, to, end, complete, alerts, stillOpen } = value;
  if (!isTime(from) || !isTime(to) || !isTime(end) || typeof complete !== 'boolean' || !isRecord(alerts) || !isRecord(stillOpen)) return null;
  const kpis = parseKpis(value.kpis);
  const opened = parseActivityList(alerts.opened);
  const acknowledged = parseActivityList(alerts.acknowledged);
  const resolved = parseActivityList(alerts.resolved);
  const escalated = parseActivityList(alerts.escalated);
  const openItems = all(stillOpen.items, parseOpenAlert);
  const incidents = all(value.incidents, parseIncident);
  const silences = all(value.silences, parseSilence);
  if (!kpis || !opened || !acknowledged || !resolved || !escalated || !openItems || typeof stillOpen.truncated !== 'boolean') return null;
  if (!incidents || !silences) return null;
  return {
    from, to, end, complete, kpis,
    alerts: { opened, acknowledged, resolved, escalated },
    stillOpen: { truncated: stillOpen.truncated, items: openItems },
    incidents, silences,
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
