import type pg from 'pg'
import type { SlaThresholds } from '../config.ts'
import { courierShiftCheck, hubVolumeAnomaly, lastCompleteHour, sameHourInPreviousWeeks } from '../domain/anomaly.ts'
import type { WorkingCalendar } from '../domain/calendar.ts'
import { courierDay, hubEventsInHours, hubsCreatedAt } from '../db/anomaly-repo.ts'
import { hubsWithRecentAlerts } from '../db/detection-repo.ts'
import { runSlowDetection } from './detection.ts'
import { refreshLaneStats } from '../db/lane-stats-repo.ts'
import { MANUAL_RESOLUTION } from './sla-sweep.ts'
import { alertTransaction, reconcileGroups } from './alerts.ts'
import type { AlertChange, AlertGroup } from '../db/alerts-repo.ts'
import { alertTitles } from '../domain/alert-titles.ts'

const BASELINE_WEEKS = 6

/**
 * Hub volume against the weeks before, from the events_per_minute aggregate:
 * hub_volume_low, the last complete hour's events against the same hour of the
 * week in the previous 6 weeks (median and MAD, see server/domain/anomaly.ts);
 * weeks before the hub existed are left out, and a hub that stopped scanning
 * (hub_silent open, or resolved less than its length and at least 3 h ago,
 * hubsWithRecentAlerts) is explained by that alert. The minute rules
 * hub_silent, hub_exception_spike and hub_volume_high, and the lane and dwell
 * rules, are in server/services/detection.ts.
 */
export async function hubAnomalyGroups(db: pg.Pool, now: Date): Promise<Record<string, AlertGroup[]>> {
  const hubs = await hubsCreatedAt(db)
  const { start } = lastCompleteHour(now)
  const weeks = sameHourInPreviousWeeks(start, BASELINE_WEEKS)
  const counts = await hubEventsInHours(db, [start, ...weeks])
  const countOf = new Map(counts.map((c) => [`${c.hub}|${c.hour.getTime()}`, c.n]))
  const stopped = await hubsWithRecentAlerts(db, ['hub_silent'], now)
  const low: AlertGroup[] = []
  for (const [code, hub] of hubs) {
    const baseline = weeks
      .filter((w) => w.getTime() >= hub.createdAt.getTime())
      .map((w) => countOf.get(`${code}|${w.getTime()}`) ?? 0)
    const observed = countOf.get(`${code}|${start.getTime()}`) ?? 0
    const v = hubVolumeAnomaly({ observed, baseline })
    if (v.status !== 'low' || stopped.has(code)) continue
    const details = { observed, expected: v.expected, z: v.z, hour: start.toISOString() }
    low.push({
      subject: `hub:${code}`,
      hubCode: code,
      severity: 'critical',
      title: alertTitles.hubVolumeLow(hub.name, observed, v.expected),
      itemCount: 0,
      details,
    })
  }
  return { hub_volume_low: low }
}

/**
 * Courier rules (manual 4.3.1 (5)), on working days only, shift 08:30–18:00 with
 * 30 minutes' grace (server/domain/anomaly-courier.ts):
 *  - courier_late_start: first scan after 09:00, or no scan at all by then (absent);
 *  - courier_early_stop: last scan before 17:30, judged once 18:30 has passed.
 */
export async function courierGroups(
  db: pg.Pool,
  calendar: WorkingCalendar,
  now: Date,
): Promise<Record<string, AlertGroup[]>> {
  const day = calendar.shanghaiDay(now)
  if (!calendar.isWorkingDay(day)) return { courier_late_start: [], courier_early_stop: [] }
  const late: AlertGroup[] = []
  const early: AlertGroup[] = []
  for (const c of await courierDay(db, calendar.startOfDay(day), new Date(calendar.endOfDay(day).getTime() + 1))) {
    const r = courierShiftCheck({ day, firstScan: c.firstScan, lastScan: c.lastScan }, now)
    const subject = `courier:${c.code}`
    if (r.attendance === 'absent')
      late.push({
        subject,
        hubCode: c.hubCode,
        severity: 'warning',
        title: alertTitles.courierAbsent(c.name, c.code),
        itemCount: 0,
        details: { day, attendance: 'absent' },
      })
    else if (r.lateStart)
      late.push({
        subject,
        hubCode: c.hubCode,
        severity: 'info',
        title: alertTitles.courierLateStart(c.name, c.code, r.minutesLate),
        itemCount: 0,
        details: { day, minutesLate: r.minutesLate },
      })
    if (r.earlyStop)
      early.push({
        subject,
        hubCode: c.hubCode,
        severity: 'info',
        title: alertTitles.courierEarlyStop(c.name, c.code, r.minutesEarly),
        itemCount: 0,
        details: { day, minutesEarly: r.minutesEarly },
      })
  }
  return { courier_late_start: late, courier_early_stop: early }
}

export async function runAnomalySweep(
  db: pg.Pool,
  t: SlaThresholds,
  calendar: WorkingCalendar,
  now: Date,
): Promise<AlertChange[]> {
  await refreshLaneStats(db, now)
  const byRule = { ...(await hubAnomalyGroups(db, now)), ...(await courierGroups(db, calendar, now)) }
  const changes: AlertChange[] = await runSlowDetection(db, t, now)
  for (const [rule, groups] of Object.entries(byRule)) {
    changes.push(
      ...(await alertTransaction(db, `anomaly sweep ${rule}`, (client) =>
        // No pending period (the rules already judge a whole hour), but a person's resolution is respected.
        reconcileGroups(client, rule, groups, now, t.escalateAfterMs, { pendingMs: 0, manual: MANUAL_RESOLUTION }),
      )),
    )
  }
  return changes
}
