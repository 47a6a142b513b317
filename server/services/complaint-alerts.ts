import type pg from 'pg'
import { resolveCleared, upsertAlerts, type AlertChange, type AlertGroup } from '../db/alerts-repo.ts'
import { overdueComplaints } from '../db/complaints-repo.ts'
import { overdueSeverity } from '../domain/complaints.ts'
import { alertTitles } from '../domain/alert-titles.ts'

export const COMPLAINT_OVERDUE = 'complaint_overdue'

/**
 * The complaint-limit rule of the SLA engine (manual 1.3.3: complaints are
 * handled within a set time limit): one alert per complaint that is past its
 * limit and not yet answered (`complaint:<id>`), through the same lifecycle as the
 * parcel alerts (one unresolved per subject, acknowledge, escalate); it resolves
 * by itself once the complaint is replied or closed. Runs in the caller's
 * transaction: the sweep's, or the one that moves a complaint on.
 */
export async function reconcileComplaintAlerts(
  client: pg.PoolClient,
  now: Date,
  escalateAfterMs: number,
): Promise<AlertChange[]> {
  const overdue = await overdueComplaints(client, now)
  const groups: AlertGroup[] = overdue.map((c) => ({
    subject: `complaint:${c.id}`,
    hubCode: c.hubCode,
    severity: overdueSeverity(c.receivedAt, c.limitHours, now),
    title: alertTitles.complaintOverdue(c.id, c.category, c.limitHours, c.waybill),
    itemCount: c.waybill ? 1 : 0,
    details: { complaintId: c.id, category: c.category, dueAt: c.dueAt.toISOString(), waybill: c.waybill },
  }))
  const changes = await upsertAlerts(client, COMPLAINT_OVERDUE, groups, now, escalateAfterMs)
  // The parcel behind the complaint, so the alert links to it like a parcel alert.
  await client.query(
    `INSERT INTO alert_items (alert_id, waybill)
     SELECT a.id, c.waybill FROM alerts a JOIN complaints c ON 'complaint:' || c.id = a.subject
     WHERE a.rule = $1 AND a.state <> 'resolved' AND c.waybill IS NOT NULL
     ON CONFLICT DO NOTHING`,
    [COMPLAINT_OVERDUE],
  )
  return [
    ...changes,
    ...(await resolveCleared(
      client,
      COMPLAINT_OVERDUE,
      groups.map((g) => g.subject),
      now,
    )),
  ]
}
