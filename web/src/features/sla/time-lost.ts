// Pure helpers of the "where the time was lost" section of /sla: labels of bars and
// breach causes, the drill-down's rows as shown and as CSV, the heat map's grid.

import { buildCsv } from '../../csv';
import { sl, slDyn, type SlaLabel } from './labels';
import { fmtBeijing } from './view';
import type { BreachCause, SegmentKind, TimeLost, TimeLostParcel } from './types';

/** A hub or courier code with its name ("HGH-SC 杭州分拣中心"); a lane "A→B" stays codes. */
export function who(code: string, names: Readonly<Record<string, string>>): string {
  const name = code.includes('→') ? undefined : names[code];
  return name ? `${code} ${name}` : code;
}

/** "hub dwell at HGH-SC 杭州分拣中心", "line-haul HGH-SC→BJS-TC", … */
export function placeLabel(kind: SegmentKind, responsible: string, names: Readonly<Record<string, string>>): string {
  return sl(`at.${kind}` as SlaLabel, { x: who(responsible, names) });
}

export function causeLabel(c: BreachCause | null, names: Readonly<Record<string, string>>): string {
  if (!c) return '—';
  return placeLabel(c.code, c.lane ?? c.courier ?? c.hub ?? '', names);
}

export const lostHeader = (): string[] => [
  sl('waybill'),
  sl('tier'),
  sl('lane'),
  sl('segment'),
  sl('excessAt'),
  sl('lateBy'),
  sl('deliveredAt'),
  sl('cause'),
];
export const lostCells = (p: TimeLostParcel, names: Readonly<Record<string, string>>): string[] => [
  p.waybill,
  slDyn('tier', p.tier),
  `${p.origin}→${p.destination}`,
  p.at ? placeLabel(p.at.kind, p.at.responsible, names) : '—',
  p.at ? p.at.excessHours.toFixed(1) : '—',
  p.lateHours.toFixed(1),
  fmtBeijing(p.deliveredAt),
  causeLabel(p.cause, names),
];
export const lostCsv = (ps: readonly TimeLostParcel[], names: Readonly<Record<string, string>>): string =>
  buildCsv(
    lostHeader(),
    ps.map((p) => lostCells(p, names)),
  );

/** The heat map of one hub as [hour of day, day of week (0 = Monday), p90] cells; hours without a dwell left out. */
export function heatCells(t: TimeLost, hub: string): Array<[number, number, number]> {
  const row = t.heatmap.find((h) => h.hub === hub);
  const out: Array<[number, number, number]> = [];
  row?.p90.forEach((v, how) => {
    if (v !== null) out.push([how % 24, Math.floor(how / 24), v]);
  });
  return out;
}
