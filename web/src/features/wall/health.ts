// Health of a hub on the wall map, from today's on-time share and its open alerts.
// Pure: no DOM, no Vue.

import type { MapHub } from '../../contract';

export type HubHealth = 'ok' | 'warn' | 'bad';

/**
 * Thresholds, documented here and shown in the map legend:
 * - bad:  any open critical alert, or on-time below 85 % over at least 10 deliveries;
 * - warn: any open warning alert, or on-time below 95 % over at least 10 deliveries;
 * - ok:   otherwise. Fewer than 10 deliveries today say nothing about on-time.
 * Info alerts never change the colour.
 */
export const HEALTH_THRESHOLDS = {
  badOnTime: 0.85,
  warnOnTime: 0.95,
  minDeliveries: 10,
} as const;

export function hubHealth(hub: Pick<MapHub, 'delivered' | 'onTime' | 'openAlerts'>): HubHealth {
  const { badOnTime, warnOnTime, minDeliveries } = HEALTH_THRESHOLDS;
  const share = hub.delivered >= minDeliveries ? hub.onTime / hub.delivered : null;
  if (hub.openAlerts.critical > 0 || (share !== null && share < badOnTime)) return 'bad';
  if (hub.openAlerts.warning > 0 || (share !== null && share < warnOnTime)) return 'warn';
  return 'ok';
}

export interface HealthCounts {
  ok: number;
  warn: number;
  bad: number;
}

export function countHealth(hubs: readonly MapHub[]): HealthCounts {
  const counts: HealthCounts = { ok: 0, warn: 0, bad: 0 };
  for (const hub of hubs) counts[hubHealth(hub)] += 1;
  return counts;
}
