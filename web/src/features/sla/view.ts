// Pure helpers of the SLA page: number formats, table rows as shown, CSV of them.

import { buildCsv } from '../../csv';
import { beijingMinute } from '../../shanghai';
import { outcomeLabel, sl, slDyn } from './labels';
import type { BreakdownBy, BreakdownRow, Causes, SlaParcel, Transit } from './types';

export const fmtRate = (r: number | null): string => (r === null ? '—' : `${r.toFixed(1)}%`);
/** A mean feedback score (1–5), two decimals; — when nobody answered. */
export const fmtScore = (s: number | null): string => (s === null ? '—' : s.toFixed(2));
export const fmtHours = (h: number | null): string => (h === null ? '—' : h.toFixed(1));
/** Change of a rate in percentage points, signed. */
export function fmtChange(pp: number | null): string {
  if (pp === null) return '—';
  if (pp === 0) return '±0.0 pp';
  return `${pp > 0 ? '+' : '−'}${Math.abs(pp).toFixed(1)} pp`;
}

/** Beijing date and time, YYYY-MM-DD HH:mm. */
export function fmtBeijing(iso: string | null): string {
  if (!iso) return '—';
  return beijingMinute(Date.parse(iso));
}

/** The cells of a breakdown table, as the page shows them (the CSV holds the same). */
export function breakdownCells(by: BreakdownBy, r: BreakdownRow): string[] {
  const key = by === 'region' ? [r.name] : [r.key === 'none' && by === 'courier' ? '—' : r.key, r.name];
  return [...key, String(r.closed), String(r.onTime), String(r.late), String(r.excused), fmtRate(r.rate)];
}
export function breakdownHeader(by: BreakdownBy): string[] {
  // One distinct header per column (the CSV used to read "网点,网点"): the code, then the name.
  const key =
    by === 'region'
      ? [sl('region')]
      : by === 'hub'
        ? [sl('hubCode'), sl('hubName')]
        : [sl('courierCode'), sl('courierName')];
  return [...key, sl('closed'), sl('onTime'), sl('late'), sl('excused'), sl('rate')];
}
export const breakdownCsv = (by: BreakdownBy, rows: readonly BreakdownRow[]): string =>
  buildCsv(
    breakdownHeader(by),
    rows.map((r) => breakdownCells(by, r)),
  );

export const laneHeader = (): string[] => [
  sl('tier'),
  sl('origin'),
  sl('destination'),
  sl('parcels'),
  'p50',
  'p90',
  'p99',
];
export const laneCells = (l: Transit['lanes'][number]): string[] => [
  slDyn('tier', l.tier),
  l.origin,
  l.destination,
  String(l.parcels),
  fmtHours(l.p50),
  fmtHours(l.p90),
  fmtHours(l.p99),
];
export const lanesCsv = (lanes: Transit['lanes']): string => buildCsv(laneHeader(), lanes.map(laneCells));

export const causeHeader = (): string[] => [sl('cause'), sl('parcels'), sl('share'), sl('cumulative')];
export const causeCells = (c: Causes['late'][number]): string[] => [
  slDyn('cause', c.cause),
  String(c.parcels),
  `${c.share.toFixed(1)}%`,
  `${c.cumulative.toFixed(1)}%`,
];
export const causesCsv = (c: Pick<Causes, 'late'>): string => buildCsv(causeHeader(), c.late.map(causeCells));

export const parcelHeader = (): string[] => [
  sl('waybill'),
  sl('tier'),
  sl('origin'),
  sl('destination'),
  sl('courier'),
  sl('collectedAt'),
  sl('closedAt'),
  sl('deadline'),
  sl('outcome'),
  sl('cause'),
  sl('transitHours'),
];
export const parcelCells = (p: SlaParcel): string[] => [
  p.waybill,
  slDyn('tier', p.tier),
  p.origin,
  p.destination,
  p.courier ?? '—',
  fmtBeijing(p.collectedAt),
  fmtBeijing(p.closedAt),
  fmtBeijing(p.deadline),
  outcomeLabel(p.outcome),
  slDyn('cause', p.cause),
  p.transitHours.toFixed(1),
];
export const parcelsCsv = (ps: readonly SlaParcel[]): string => buildCsv(parcelHeader(), ps.map(parcelCells));

export function csvName(what: string, from: string, to: string): string {
  return `sla-${what}-${from}_${to}.csv`;
}
