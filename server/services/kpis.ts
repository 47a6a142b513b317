import type pg from 'pg'
import { readKpiCounts, type OnTimeCount, type Severity, type Tier } from '../db/kpi-repo.ts'
import { startOfMinute, startOfShanghaiDay } from '../domain/clock.ts'

export interface KpiSnapshot {
  at: string
  /**
   * False while scans already received are still on their way into the aggregates the
   * counters are read from (a backlog, a restart's catch-up): today's counts are short
   * then, and screens show "—" until their first complete snapshot (kpi-repo.ts).
   */
  complete: boolean
  inFlight: number
  collectedToday: number
  deliveredToday: number
  exceptionsToday: number
  eventsPerMinute: number
  perMinute: Array<{ t: string; total: number; delivered: number; exceptions: number }>
  /** Parcels delivered today per tier, and how many of them by their promised deadline. */
  onTimeToday: Record<Tier, OnTimeCount>
  /** Unresolved alerts (open or acknowledged) by severity. */
  openAlerts: Record<Severity, number>
  /**
   * The same figures earlier, for the trends: today's counters as they stood at the
   * same time yesterday; in flight and open alerts one hour ago. In flight an hour
   * ago is derived: now, minus parcels collected since, plus parcels delivered or
   * returned since.
   */
  previous: {
    inFlight: number
    collectedToday: number
    deliveredToday: number
    exceptionsToday: number
    onTimeToday: Record<Tier, OnTimeCount>
    openAlerts: Record<Severity, number>
  }
}

const WINDOW_MINUTES = 60

export async function kpiSnapshot(db: pg.Pool, now: Date): Promise<KpiSnapshot> {
  const minute = startOfMinute(now)
  const windowStart = new Date(minute.getTime() - WINDOW_MINUTES * 60_000)
  const c = await readKpiCounts(db, { today: startOfShanghaiDay(now), now, windowStart })
  const previousMinute = minute.getTime() - 60_000
  const n = (m: Record<string, number>, k: string) => m[k] ?? 0
  const inFlightHourAgo =
    c.inFlight - n(c.byTypeLastHour, 'collected') + n(c.byTypeLastHour, 'delivered') + n(c.byTypeLastHour, 'returned')
  return {
    at: now.toISOString(),
    complete: c.complete,
    inFlight: c.inFlight,
    collectedToday: n(c.byTypeToday, 'collected'),
    deliveredToday: n(c.byTypeToday, 'delivered'),
    exceptionsToday: n(c.byTypeToday, 'exception'),
    eventsPerMinute: c.perMinute.find((p) => p.t.getTime() === previousMinute)?.total ?? 0,
    perMinute: c.perMinute.map((p) => ({
      t: p.t.toISOString(),
      total: p.total,
      delivered: p.delivered,
      exceptions: p.exceptions,
    })),
    onTimeToday: c.onTimeToday,
    openAlerts: c.openAlerts,
    previous: {
      inFlight: Math.max(0, inFlightHourAgo),
      collectedToday: n(c.byTypeYesterday, 'collected'),
      deliveredToday: n(c.byTypeYesterday, 'delivered'),
      exceptionsToday: n(c.byTypeYesterday, 'exception'),
      onTimeToday: c.onTimeYesterday,
      openAlerts: c.openAlertsHourAgo,
    },
  }
}
