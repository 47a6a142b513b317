import type pg from 'pg'
import { readKpiCounts } from '../db/kpi-repo.ts'
import { startOfMinute, startOfShanghaiDay } from '../domain/clock.ts'

export interface KpiSnapshot {
  at: string
  inFlight: number
  collectedToday: number
  deliveredToday: number
  exceptionsToday: number
  eventsPerMinute: number
  perMinute: Array<{ t: string; total: number; delivered: number; exceptions: number }>
}

const WINDOW_MINUTES = 60

export async function kpiSnapshot(db: pg.Pool, now: Date): Promise<KpiSnapshot> {
  const minute = startOfMinute(now)
  const windowStart = new Date(minute.getTime() - WINDOW_MINUTES * 60_000)
  const c = await readKpiCounts(db, startOfShanghaiDay(now), now, windowStart)
  const previousMinute = minute.getTime() - 60_000
  return {
    at: now.toISOString(),
    inFlight: c.inFlight,
    collectedToday: c.byTypeToday['collected'] ?? 0,
    deliveredToday: c.byTypeToday['delivered'] ?? 0,
    exceptionsToday: c.byTypeToday['exception'] ?? 0,
    eventsPerMinute: c.perMinute.find((p) => p.t.getTime() === previousMinute)?.total ?? 0,
    perMinute: c.perMinute.map((p) => ({ t: p.t.toISOString(), total: p.total, delivered: p.delivered, exceptions: p.exceptions })),
  }
}
