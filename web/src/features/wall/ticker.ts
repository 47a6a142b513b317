// The wall's alert ticker: the active critical and warning alerts, seeded from the
// REST list and kept current by the `alerts` websocket changes. Pure: no DOM, no Vue.

import type { Alert } from '../alerts/types';
import type { AlertChangeMessage, AlertsMessage } from '../../composables/liveProtocol';
import { NO_TITLE, type AlertTitleFields } from '../alerts/messages';

export type TickerSeverity = 'critical' | 'warning';

export interface TickerItem {
  id: number;
  severity: TickerSeverity;
  rule: string;
  hubCode: string | null;
  /** Rendered in the wall's language (alertTitleIn). */
  title: AlertTitleFields;
  /** Parcels (or events) affected: the impact the ticker orders by, after severity. */
  itemCount?: number;
  /** ISO time the alert opened (for a change we only know when it was published). */
  openedAt: string | null;
}

/** Most alerts the ticker keeps (it shows a few at a time and cycles through them). */
export const TICKER_LIMIT = 30;

const isTickerSeverity = (s: unknown): s is TickerSeverity => s === 'critical' || s === 'warning';

const GONE = new Set(['resolved', 'auto_resolved']);

/** Ticker items from `GET /api/v1/alerts?state=active`: unmuted, critical or warning, still active. */
export function seedTicker(alerts: readonly Alert[]): TickerItem[] {
  const items: TickerItem[] = [];
  for (const a of alerts) {
    if (a.muted || !isTickerSeverity(a.severity)) continue;
    if (a.state !== 'open' && a.state !== 'acknowledged') continue;
    items.push({
      id: a.id,
      severity: a.severity,
      rule: a.rule,
      hubCode: a.hubCode,
      title: a.title,
      itemCount: a.itemCount,
      openedAt: a.openedAt,
    });
  }
  return orderTicker(items);
}

function applyChange(byId: Map<number, TickerItem>, c: AlertChangeMessage, at: string | null): void {
  if (GONE.has(c.action) || c.muted === true) {
    byId.delete(c.id);
    return;
  }
  const known = byId.get(c.id);
  if (c.severity !== undefined && !isTickerSeverity(c.severity)) {
    byId.delete(c.id); // re-graded to info
    return;
  }
  const severity = c.severity ?? known?.severity;
  // A bare change (acknowledged, escalated…) about an alert we do not show adds nothing:
  // without a severity and title there is nothing to put on the wall.
  if (!severity || (!known && c.title === undefined)) return;
  byId.set(c.id, {
    id: c.id,
    severity,
    rule: c.rule ?? known?.rule ?? '',
    hubCode: c.hubCode !== undefined ? c.hubCode : (known?.hubCode ?? null),
    title: c.title ?? known?.title ?? NO_TITLE,
    itemCount: c.itemCount ?? known?.itemCount ?? 0,
    openedAt: known?.openedAt ?? at,
  });
}

/**
 * Applies one `alerts` message: opened/updated alerts are added or refreshed, resolved,
 * auto-resolved and muted ones leave; acknowledged ones stay (they are still active).
 */
export function applyAlertChanges(items: readonly TickerItem[], data: AlertsMessage['data']): TickerItem[] {
  const byId = new Map(items.map((i) => [i.id, i]));
  for (const change of data.changes) applyChange(byId, change, data.at);
  return orderTicker([...byId.values()]);
}

/** By impact, as the console: critical before warning, then most parcels affected, then newest first (unknown times last), then highest id. */
export function orderTicker(items: readonly TickerItem[], limit = TICKER_LIMIT): TickerItem[] {
  const time = (i: TickerItem) => {
    const ms = i.openedAt === null ? NaN : Date.parse(i.openedAt);
    return Number.isFinite(ms) ? ms : -Infinity;
  };
  return [...items]
    .sort(
      (a, b) =>
        Number(b.severity === 'critical') - Number(a.severity === 'critical') ||
        (b.itemCount ?? 0) - (a.itemCount ?? 0) ||
        time(b) - time(a) ||
        b.id - a.id,
    )
    .slice(0, limit);
}

/** The `page`-th group of `perPage` items, wrapping around; page count for the dots. */
export function tickerPage<T>(
  items: readonly T[],
  page: number,
  perPage: number,
): { items: T[]; page: number; pages: number } {
  const size = Math.max(1, Math.floor(perPage));
  const pages = Math.max(1, Math.ceil(items.length / size));
  const p = ((Math.floor(page) % pages) + pages) % pages;
  return { items: items.slice(p * size, p * size + size), page: p, pages };
}
