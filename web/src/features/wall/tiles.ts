// The wall's KPI tiles as plain data, from a KPI snapshot. Pure: no DOM, no Vue.

import { normalizePerMinute } from '../../charts/options';
import { SEVERITIES, TIERS, type KpiSnapshot, type Severity, type Tier } from '../../contract';
import { onTimePercent, trendOf, type Polarity, type Trend } from './trend';

export type CountKey = 'inFlight' | 'collectedToday' | 'deliveredToday' | 'exceptionsToday' | 'eventsPerMinute';

/** What a trend compares with: the same time yesterday, or one hour ago. */
export type TrendBasis = 'yesterday' | 'hourAgo';

export interface CountTile {
  key: CountKey;
  /** Null (shown "—") before the first complete snapshot: a partial sum would only jump later. */
  value: number | null;
  trend: Trend | null;
  basis: TrendBasis | null;
  /** Last 60 minutes, oldest first (null = no data that minute); null when the tile has none. */
  spark: Array<number | null> | null;
  tone: 'default' | 'good' | 'bad';
}

export interface TierRow {
  tier: Tier;
  /** On-time share today in percent, null when nothing was delivered yet. */
  percent: number | null;
  delivered: number;
  /** Against the same time yesterday, in percentage points. */
  trend: Trend | null;
}

export interface SeverityRow {
  severity: Severity;
  count: number;
  /** Against one hour ago. */
  trend: Trend | null;
}

export interface WallTiles {
  counts: CountTile[];
  /** Null when the snapshot carries no per-tier figures (older server). */
  onTime: { all: Omit<TierRow, 'tier'>; tiers: TierRow[] } | null;
  alerts: SeverityRow[] | null;
}

/** Rate trends smaller than this many percentage points show as flat. */
export const RATE_EPSILON_PP = 0.05;

interface CountSpec {
  key: CountKey;
  polarity: Polarity;
  basis: TrendBasis | null;
  spark: 'total' | 'delivered' | 'exceptions' | null;
  tone: CountTile['tone'];
}

const COUNT_SPECS: readonly CountSpec[] = [
  { key: 'inFlight', polarity: 'neutral', basis: 'hourAgo', spark: null, tone: 'default' },
  { key: 'collectedToday', polarity: 'higher-better', basis: 'yesterday', spark: null, tone: 'default' },
  { key: 'deliveredToday', polarity: 'higher-better', basis: 'yesterday', spark: 'delivered', tone: 'good' },
  { key: 'exceptionsToday', polarity: 'lower-better', basis: 'yesterday', spark: 'exceptions', tone: 'bad' },
  { key: 'eventsPerMinute', polarity: 'neutral', basis: null, spark: 'total', tone: 'default' },
];

function previousCount(s: KpiSnapshot, key: CountKey): number | undefined {
  return key === 'eventsPerMinute' ? undefined : s.previous?.[key];
}

function sumTiers(counts: Record<Tier, { delivered: number; onTime: number }>) {
  let delivered = 0;
  let onTime = 0;
  for (const t of TIERS) {
    delivered += counts[t].delivered;
    onTime += counts[t].onTime;
  }
  return { delivered, onTime };
}

function onTimeRows(s: KpiSnapshot): WallTiles['onTime'] {
  const today = s.onTimeToday;
  if (!today) return null;
  const before = s.previous?.onTimeToday;
  const row = (now: { delivered: number; onTime: number }, then?: { delivered: number; onTime: number }) => {
    const p = onTimePercent(now);
    return {
      percent: p,
      delivered: now.delivered,
      trend: trendOf(p, then ? onTimePercent(then) : undefined, 'higher-better', RATE_EPSILON_PP),
    };
  };
  const total = sumTiers(today);
  return {
    all: row(total, before ? sumTiers(before) : undefined),
    tiers: TIERS.map((tier) => ({ tier, ...row(today[tier], before?.[tier]) })),
  };
}

/**
 * The counters read from the server's aggregates (today's scans, the last minute's);
 * in flight is a kept count and the alerts a small table: exact from the first snapshot.
 */
export const AGGREGATE_COUNTS: readonly CountKey[] = [
  'collectedToday',
  'deliveredToday',
  'exceptionsToday',
  'eventsPerMinute',
];

/**
 * Tiles of one snapshot; sparklines cover the 60 minutes ending at the snapshot time.
 * `settled`: a complete snapshot has been seen (useLiveChannel). Until then the
 * aggregate-read counters and on-time rates are "—", never a partial count.
 */
export function buildWallTiles(s: KpiSnapshot, settled = true): WallTiles {
  const slots = normalizePerMinute(s.perMinute, { endAt: s.at, fill: 0 });
  const counts = COUNT_SPECS.map((spec): CountTile =>
    !settled && AGGREGATE_COUNTS.includes(spec.key)
      ? {
          key: spec.key,
          value: null,
          trend: null,
          basis: null,
          spark: null,
          tone: spec.tone,
        }
      : {
          key: spec.key,
          value: s[spec.key],
          trend: trendOf(s[spec.key], previousCount(s, spec.key), spec.polarity),
          basis: previousCount(s, spec.key) === undefined ? null : spec.basis,
          spark: spec.spark ? slots.map((slot) => slot[spec.spark!]) : null,
          tone: spec.tone,
        },
  );
  const alerts = s.openAlerts
    ? SEVERITIES.map((severity) => ({
        severity,
        count: s.openAlerts![severity],
        trend: trendOf(s.openAlerts![severity], s.previous?.openAlerts[severity], 'lower-better'),
      }))
    : null;
  const onTime = onTimeRows(s);
  const unsettled = <R extends { percent: number | null; trend: Trend | null }>(r: R): R => ({
    ...r,
    percent: null,
    trend: null,
  });
  return {
    counts,
    onTime: onTime && !settled ? { all: unsettled(onTime.all), tiers: onTime.tiers.map(unsettled) } : onTime,
    alerts,
  };
}
