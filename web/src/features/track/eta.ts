// The arrival window of the look-up (server/domain/eta.ts via lookup.ts) as
// customer service reads it out: Beijing time, Chinese or English. Pure.

import type { Lang } from '../../i18n';

export interface ArrivalView {
  p10: string;
  p50: string;
  p90: string;
  overdue: boolean;
  basis: 'model' | 'partial' | 'prior' | string;
  current?: { kind: string; place: string; since: string; elapsedHours: number; p99Hours: number };
}

const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function parts(iso: string): { y: number; m: number; d: number; hm: string } | null {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return null;
  // Rounded to the quarter hour: the estimate is not finer than that.
  const q = Math.round(ms / 900_000) * 900_000;
  const t = new Date(q + SHANGHAI_OFFSET_MS);
  return {
    y: t.getUTCFullYear(),
    m: t.getUTCMonth(),
    d: t.getUTCDate(),
    hm: `${String(t.getUTCHours()).padStart(2, '0')}:${String(t.getUTCMinutes()).padStart(2, '0')}`,
  };
}

function day(p: { m: number; d: number }, lang: Lang): string {
  return lang === 'zh' ? `${p.m + 1}月${p.d}日` : `${p.d} ${MONTHS[p.m]}`;
}

/** "12月6日 14:00–18:00，最可能 16:00" / "6 Dec 14:00–18:00, most likely 16:00"; the second day is named when the window crosses midnight. */
export function arrivalWindow(a: ArrivalView | null | undefined, lang: Lang): string {
  if (!a) return '—';
  const lo = parts(a.p10);
  const mid = parts(a.p50);
  const hi = parts(a.p90);
  if (!lo || !mid || !hi) return '—';
  const sameDay = lo.y === hi.y && lo.m === hi.m && lo.d === hi.d;
  const range = sameDay
    ? `${day(lo, lang)} ${lo.hm}–${hi.hm}`
    : `${day(lo, lang)} ${lo.hm} – ${day(hi, lang)} ${hi.hm}`;
  const midDay = mid.d === lo.d && mid.m === lo.m ? '' : `${day(mid, lang)} `;
  return lang === 'zh' ? `${range}，最可能 ${midDay}${mid.hm}` : `${range}, most likely ${midDay}${mid.hm}`;
}
