// Shapes of the /api/v1/sla/* answers (server/services/sla-report.ts).

import type * as z from 'zod/mini';
import type * as wire from '../../../contract/sla.ts';

export type Tier = 'express' | 'standard' | 'economy';
export const TIERS: readonly Tier[] = ['express', 'standard', 'economy'];
export type Outcome = 'on_time' | 'late' | 'excused';

export interface Counts { closed: number; onTime: number; late: number; excused: number; rate: number | null }
export interface RangeView { from: string; to: string; days: number }

export interface Summary {
  range: RangeView;
  previousRange: RangeView;
  tiers: Array<{ tier: Tier; current: Counts; previous: Counts; change: number | null }>;
  all: { current: Counts; previous: Counts; change: number | null };
  series: Array<{ day: string; tier: Tier } & Counts>;
}

export type BreakdownBy = 'hub' | 'region' | 'courier';
export type BreakdownSort = 'key' | 'name' | 'closed' | 'on_time' | 'late' | 'excused' | 'rate';
export interface BreakdownRow { key: string; name: string; detail: string | null; closed: number; onTime: number; late: number; excused: number; rate: number | null }
export interface Breakdown { by: BreakdownBy; sort: BreakdownSort; dir: 'asc' | 'desc'; rows: BreakdownRow[] }

export interface Causes { totalLate: number; late: Array<{ cause: string; parcels: number; share: number; cumulative: number }>; excused: Array<{ cause: string; parcels: number }> }

export interface Percentiles { parcels: number; p50: number | null; p90: number | null; p99: number | null }
export type TransitSort = 'parcels' | 'p50' | 'p90' | 'p99' | 'lane';
export interface Transit {
  sort: TransitSort;
  tiers: Array<{ tier: Tier } & Percentiles>;
  laneCount: number;
  lanes: Array<{ tier: Tier; origin: string; destination: string } & Percentiles>;
}

/** What a clicked figure stands for: the query of /api/v1/sla/parcels. */
export interface DrillFilter {
  from: string;
  to: string;
  tier?: Tier;
  hub?: string;
  origin?: string;
  region?: string;
  courier?: string;
  outcome?: Outcome;
  cause?: string;
  delivered?: boolean;
}

export interface SlaParcel {
  waybill: string; tier: Tier; origin: string; destination: string; courier: string | null;
  collectedAt: string; closedAt: string; closing: string; deadline: string | null;
  outcome: Outcome; cause: string; transitHours: number;
}
export interface ParcelList { total: number; parcels: SlaParcel[] }

/** GET /api/v1/satisfaction/trend (server/services/satisfaction.ts): scores 1–5 by Beijing day. */
export interface SatisfactionDay { day: string; count: number; average: number | null }
export interface SatisfactionTrend { from: string; to: string; count: number; average: number | null; days: SatisfactionDay[] }

/** GET /api/v1/sla/time-lost (server/services/time-lost.ts): where the late parcels' time went; the wire schema is contract/sla.ts. */
export type TimeLost = z.output<typeof wire.timeLost>;
export type TimeLostParcel = TimeLost['late'][number];
export type BreachCause = z.output<typeof wire.breachCause>;
export type SegmentKind = z.output<typeof wire.pathKind>;
/** A drill-down of the time-lost section: one bar (segment) or one breach cause. */
export interface TimeLostPick { kind: SegmentKind; responsible: string; match: 'segment' | 'cause' }
