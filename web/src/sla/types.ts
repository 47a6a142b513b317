// Shapes of the /api/v1/sla/* answers (server/services/sla-report.ts).

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

/** GET /api/v1/sla/time-lost (server/services/time-lost.ts): where the late parcels' time went. */
export type SegmentKind = 'first_mile' | 'line_haul' | 'hub_dwell' | 'last_mile' | 'delivery_run';
export interface TimeLostBar { responsible: string; kind: SegmentKind; excessHours: number; parcels: number; cumulative: number }
export interface BreachCause { code: SegmentKind; hub?: string; lane?: string; courier?: string; excessHours: number }
export interface TimeLostCause { code: SegmentKind; responsible: string; parcels: number; excessHours: number }
export interface TimeLostParcel {
  waybill: string; tier: Tier; origin: string; destination: string; deliveredAt: string; deadline: string;
  lateHours: number; cause: BreachCause | null;
  /** The excess lost at the bar or cause asked for (null when all late parcels are listed). */
  at: { kind: SegmentKind; responsible: string; excessHours: number } | null;
}
export interface TimeLost {
  from: string; to: string; tier: Tier | null; parcels: number; truncated: boolean;
  pareto: TimeLostBar[];
  causes: TimeLostCause[];
  /** Hub dwell p90 (hours) per hour of the week (Monday 00:00 Beijing = 0), null where no dwell began; all history kept. */
  heatmap: Array<{ hub: string; p90: Array<number | null> }>;
  names: Record<string, string>;
  lateTotal: number;
  late: TimeLostParcel[];
}
/** A drill-down of the time-lost section: one bar (segment) or one breach cause. */
export interface TimeLostPick { kind: SegmentKind; responsible: string; match: 'segment' | 'cause' }
