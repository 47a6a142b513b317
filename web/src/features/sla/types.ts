// Shapes of the /api/v1/sla/* answers (server/services/sla-report.ts, time-lost.ts): the wire
// schemas are contract/sla.ts (and contract/money.ts for the satisfaction trend).

import type * as z from 'zod/mini';
import type * as wire from '../../../../contract/sla.ts';

export { TIERS, type Tier } from '../../../../contract/enums.ts';
import type { Tier } from '../../../../contract/enums.ts';
export type { SlaOutcome as Outcome } from '../../../../contract/enums.ts';
import type { SlaOutcome as Outcome } from '../../../../contract/enums.ts';

export type Counts = wire.OutcomeCounts;
export type Summary = wire.SlaSummary;
export type Breakdown = wire.SlaBreakdown;
export type BreakdownBy = Breakdown['by'];
export type BreakdownSort = Breakdown['sort'];
export type BreakdownRow = wire.BreakdownRow;
export type Causes = wire.SlaCauses;
export type Transit = wire.SlaTransit;
export type TransitSort = Transit['sort'];
export type SlaParcel = wire.SlaParcel;
export type ParcelList = wire.SlaParcels;

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

/** GET /api/v1/satisfaction/trend (server/services/satisfaction.ts): scores 1–5 by Beijing day. */
export type { SatisfactionTrend } from '../../../../contract/money.ts';

/** GET /api/v1/sla/time-lost (server/services/time-lost.ts): where the late parcels' time went. */
export type TimeLost = z.output<typeof wire.timeLost>;
export type TimeLostParcel = TimeLost['late'][number];
export type BreachCause = z.output<typeof wire.breachCause>;
export type SegmentKind = z.output<typeof wire.pathKind>;
/** A drill-down of the time-lost section: one bar (segment) or one breach cause. */
export interface TimeLostPick {
  kind: SegmentKind;
  responsible: string;
  match: 'segment' | 'cause';
}
