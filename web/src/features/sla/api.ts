// REST calls of the SLA page. Same-origin, session cookie; errors are ApiError. Each answer
// is checked against its wire schema (contract/sla.ts, contract/money.ts).

import type * as z from 'zod/mini';
import * as wire from '../../../../contract/sla.ts';
import { satisfactionTrend } from '../../../../contract/money.ts';
import { requestAs } from '../../api';
import type { BreakdownBy, BreakdownSort, DrillFilter, Tier, TimeLostPick, TransitSort } from './types';

const get = <S extends z.ZodMiniType>(
  schema: S,
  path: string,
  params: Record<string, string | undefined>,
  signal?: AbortSignal,
  base = '/api/v1/sla/',
) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  return requestAs(schema, `${base}${path}?${q.toString()}`, signal ? { signal } : {});
};

export interface PeriodParams {
  from: string;
  to: string;
}

export const fetchSummary = (p: PeriodParams, signal?: AbortSignal) =>
  get(wire.slaSummary, 'summary', { ...p }, signal);
export const fetchBreakdown = (
  p: PeriodParams,
  by: BreakdownBy,
  sort: BreakdownSort,
  dir: 'asc' | 'desc',
  signal?: AbortSignal,
) => get(wire.slaBreakdown, 'breakdown', { ...p, by, sort, dir }, signal);
/** Daily feedback scores of the period (complaint routes; readable by the SLA page's roles). */
export const fetchSatisfaction = (p: PeriodParams, signal?: AbortSignal) =>
  get(satisfactionTrend, 'trend', { ...p }, signal, '/api/v1/satisfaction/');
export const fetchCauses = (p: PeriodParams, signal?: AbortSignal) => get(wire.slaCauses, 'causes', { ...p }, signal);
export const fetchTransit = (p: PeriodParams, sort: TransitSort, limit: number, signal?: AbortSignal) =>
  get(wire.slaTransit, 'transit', { ...p, sort, limit: String(limit) }, signal);

/** The query of a drill-down (also used for its URL in tests). */
export function drillParams(f: DrillFilter, limit: number, offset = 0): Record<string, string | undefined> {
  return {
    from: f.from,
    to: f.to,
    tier: f.tier,
    hub: f.hub,
    origin: f.origin,
    region: f.region,
    courier: f.courier,
    outcome: f.outcome,
    cause: f.cause,
    delivered: f.delivered ? 'true' : undefined,
    limit: String(limit),
    ...(offset > 0 ? { offset: String(offset) } : {}),
  };
}
/** A page of the parcels behind a figure: `limit` rows after `offset`, with the total. */
export const fetchParcels = (f: DrillFilter, limit: number, offset: number, signal?: AbortSignal) =>
  get(wire.slaParcels, 'parcels', drillParams(f, limit, offset), signal);

/** Where the time was lost; `pick` lists the parcels of one bar or cause (`limit` after `offset`), else none. */
export const fetchTimeLost = (
  p: PeriodParams,
  tier: Tier | null,
  pick: TimeLostPick | null,
  limit: number,
  offset: number,
  signal?: AbortSignal,
) =>
  get(
    wire.timeLost,
    'time-lost',
    {
      ...p,
      tier: tier ?? undefined,
      ...(pick ? { kind: pick.kind, responsible: pick.responsible, match: pick.match } : {}),
      limit: String(limit),
      ...(offset > 0 ? { offset: String(offset) } : {}),
    },
    signal,
  );
