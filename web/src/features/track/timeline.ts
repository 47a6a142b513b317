// Timeline helpers (pure).

import { formatClock } from '../../format';
import { SHANGHAI_OFFSET_MS } from '../../shanghai';
import type { TrajectoryStep } from './types';

const ms = (iso: string | null | undefined): number => {
  const v = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(v) ? v : -Infinity;
};

/**
 * Scans newest first by event time; scans of the same time by arrival at the server
 * (the later received first). Does not modify its input; unparsable times go last.
 */
export function timelineNewestFirst<T extends Pick<TrajectoryStep, 'time' | 'receivedAt'>>(steps: readonly T[]): T[] {
  return steps
    .map((step, index) => ({ step, index }))
    .sort(
      (a, b) => ms(b.step.time) - ms(a.step.time) || ms(b.step.receivedAt) - ms(a.step.receivedAt) || b.index - a.index,
    )
    .map((x) => x.step);
}

/** Scans oldest first (the route follows the parcel). */
export function timelineOldestFirst<T extends Pick<TrajectoryStep, 'time' | 'receivedAt'>>(steps: readonly T[]): T[] {
  return timelineNewestFirst(steps).reverse();
}

/** Beijing calendar date "YYYY-MM-DD" for an ISO time; "—" when invalid. */
export function formatBeijingDate(time: string | number | null | undefined): string {
  if (time === null || time === undefined) return '—';
  const v = typeof time === 'number' ? time : Date.parse(time);
  if (!Number.isFinite(v)) return '—';
  const d = new Date(v + SHANGHAI_OFFSET_MS);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
}

/** Money in yuan, two decimals ("¥12.50"); "—" when missing. */
export function formatYuan(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `¥${value.toFixed(2)}`;
}

/** Beijing "YYYY-MM-DD HH:MM" (date here, clock from the shared format helper). */
export function formatBeijingDateTime(time: string | null | undefined): string {
  const date = formatBeijingDate(time);
  return date === '—' ? '—' : `${date} ${formatClock(time)}`;
}
