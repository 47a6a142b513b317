import type pg from 'pg'
import type { SlaThresholds } from '../config.ts'
import { courierShiftCheck, exceptionSpike, hubVolumeAnomaly, lastCompleteHour, sameHourInPreviousWeeks } from '../domain/anomaly.ts'
import type { WorkingCalendar } from '../domain/calendar.ts'
import { courierDay, hubEventsInHours, hubExceptionCounts, hubsCreatedAt } from '../db/anomaly-repo.ts'
import { refreshLaneStats } from '../db/lane-stats-repo.ts'
import { MANUAL_RESOLUTION } from './sla-sweep.ts'
import { alertTransaction, notifyInTransaction } from './alerts.ts'
import { resolveCleared, upsertAlerts, type AlertChange, type AlertGroup } from '../db/alerts-repo.ts'
import { alertTitles } from '../domain/alert-titles.ts'

const BASELINE_WEEKS = 6
/** A centre that scanned at least this many events in each of the 3 hours before goes silent when the last hour has none. */
const SILENT_MIN_PER_HOUR = 20
const HOUR_MS = 3_600_000
const EXCEPTION_BASELINE_MS = 7 * 86_400_000

/**
 * Hub anomaly rules, from the events_per_minute aggregate:
 *  - hub_volume_low / hub_volume_high: the last complete hour's events against
 *    the same hour of the week in the previous 6 weeks (median and MAD, see
 *    server/domain/anomaly.ts); weeks before the hub existed are left out;
 *  - hub_silent: a sorting or transfer centre (they run around the clock; outlets
 *    close at night) with no event in the last complete hour after at least 20
 *    in each of the 3 hours before: a hub that stopped scanning, caught without
 *    weeks of history;
 *  - hub_exception_spike: the last complete hour's exception rate against the
 *    7 days before it (Fisher's exact test, at least 5 exceptions and twice the rate).
 */
export async function hubAnomalyGroups(db: pg.Pool, now: Date): Promise<Record<string, AlertGroup[]>> {
  const hubs = await hubsCreatedAt(db)
  const { start, end } = lastCompleteHour(now)
  const weeks = sameHourInPreviousWeeks(start, BASELINE_WEEKS)
  const before = [1, 2, 3].map((k) => new Date(start.getTime() - k * HOUR_MS))
  const counts = await hubEventsInHours(db, [start, ...before, ...weeks])
  const countOf = new Map(counts.map((c) => [`${c.hub}|${c.hour.getTime()}`, c.n]))
  const low: AlertGroup[] = []
  const high: AlertGroup[] = []
  const silent: AlertGroup[] = []
  for (const [code, hub] of hubs) {
    const recent = before.map((h) => countOf.get(`${code}|${h.getTime()}`) ?? 0)
    if (hub.kind !== 'outlet' && (countOf.get(`${code}|${start.getTime()}`) ?? 0) === 0 && recent.every((n) => n >= SILENT_MIN_PER_HOUR)) {
      silent.push({ subject: `hub:${code}`, hubCode: code, severity: 'critical', title: alertTitles.hubSilent(hub.name, recent), itemCount: 0, details: { hour: start.toISOString(), hoursBefore: recent } })
    }
    const baseline = weeks.filter((w) => w.getTime() >= hub.createdAt.getTime()).map((w) => countOf.get(`${code}|${w.getTime()}`) ?? 0)
    const observed = countOf.get(`${code}|${start.getTime()}`) ?? 0
    const v = hubVolumeAnomaly({ observed, baseline })
    if (v.status !== 'low' && v.status !== 'high') continue
    const details = { observed, expected: v.expected, z: v.z, hour: start.toISOString() }
    if (v.status === 'low') low.push({ subject: `hub:${code}`, hubCode: code, severity: 'critical', title: alertTitles.hubVolumeLow(hub.name, observed, v.expected), itemCount: 0, details })
    else high.push({ subject: `hub:${code}`, hubCode: code, severity: 'warning', title: alertTitles.hubVolumeHigh(hub.name, observed, v.expected), itemCount: 0, details })
  }
  const spikes: AlertGroup[] = []
  for (const c of await hubExceptionCounts(db, new Date(start.getTime() - EXCEPTION_BASELINE_MS), start, end)) {
    const s = exceptionSpike({ recent: { exceptions: c.recentExceptions, events: c.recentEvents }, baseline: { exceptions: c.baselineExceptions, events: c.baselineEvents } })
    if (!s.spike) continue
    const name = hubs.get(c.hub)?.name ?? c.hub
    spikes.push({ subject: `hub:${c.hub}`, hubCode: c.hub, severity: 'warning', title: alertTitles.hubExceptionSpike(name, s.recentRate!, s.baselineRate ?? 0), itemCount: c.recentExceptions, details: { recentRate: s.recentRate, baselineRate: s.baselineRate, pValue: s.pValue } })
  }
  return { hub_silent: silent, hub_volume_low: low, hub_volume_high: high, hub_exception_spike: spikes }
}

/**
 * Courier rules (manual 4.3.1 (5)), on working days only, shift 08:30–18:00 with
 * 30 minutes' grace (server/domain/anomaly-courier.ts):
 *  - courier_late_start: first scan after 09:00, or no scan at all by then (absent);
 *  - courier_early_stop: last scan before 17:30, judged once 18:30 has passed.
 */
export async function courierGroups(db: pg.Pool, calendar: WorkingCalendar, now: Date): Promise<Record<string, AlertGroup[]>> {
  const day = calendar.shanghaiDay(now)
  if (!calendar.isWorkingDay(day)) return { courier_late_start: [], courier_early_stop: [] }
  const late: AlertGroup[] = []
  const early: AlertGroup[] = []
  for (const c of await courierDay(db, calendar.startOfDay(day), new Date(calendar.endOfDay(day).getTime() + 1))) {
    const r = courierShiftCheck({ day, firstScan: c.firstScan, lastScan: c.lastScan }, now)
    const subject = `courier:${c.code}`
    if (r.attendance === 'absent') late.push({ subject, hubCode: c.hubCode, severity: 'warning', title: alertTitles.courierAbsent(c.name, c.code), itemCount: 0, details: { day, attendance: 'absent' } })
    else if (r.lateStart) late.push({ subject, hubCode: c.hubCode, severity: 'info', title: alertTitles.courierLateStart(c.name, c.code, r.minutesLate), itemCount: 0, details: { day, minutesLate: r.minutesLate } })
    if (r.earlyStop) early.push({ subject, hubCode: c.hubCode, severity: 'info', title: alertTitles.courierEarlyStop(c.name, c.code, r.minutesEarly), itemCount: 0, details: { day, minutesEarly: r.minutesEarly } })
  }
  return { courier_late_start: late, courier_early_stop: early }
}

export async function runAnomalySweep(db: pg.Pool, t: SlaThresholds, calendar: WorkingCalendar, now: Date): Promise<AlertChange[]> {
  await refreshLaneStats(db, now)
  const byRule = { ...(await hubAnomalyGroups(db, now)), ...(await courierGroups(db, calendar, now)) }
  const changes: AlertChange[] = []
  for (const [rule, groups] of Object.entries(byRule)) {
    changes.push(...(await alertTransaction(db, `anomaly sweep ${rule}`, async (client) => {
      // No pending period (the rules already judge a whole hour), but a person's resolution is respected.
      const opened = await upsertAlerts(client, rule, groups, now, t.escalateAfterMs, { pendingMs: 0, graceMs: 0, manual: MANUAL_RESOLUTION })
      const found = [...opened, ...(await resolveCleared(client, rule, opened.map((g) => g.subject), now))]
      await notifyInTransaction(client, found, now)
      return found
    })))
  }
  return changes
}
