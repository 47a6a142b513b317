import { listHubs } from '../../server/db/reference-repo.ts'
import { AT_RISK_EVERY_MS, runSweep } from '../../server/services/sla-sweep.ts'
import { runAnomalySweep } from '../../server/services/hub-anomalies.ts'
import { runFastDetection } from '../../server/services/detection.ts'
import { mutedAlertIds } from '../../server/db/silences-repo.ts'
import type { AlertChange } from '../../server/db/alerts-repo.ts'
import type { WorkerDeps } from '../worker.ts'

/** The scheduled SLA sweep: reconcile the parcel alerts, escalate, and tell the live channel what changed. */
export async function slaSweep(deps: WorkerDeps, _data: unknown, now = new Date()): Promise<void> {
  const hubNames = new Map((await listHubs(deps.db)).map((h) => [h.code, h.name]))
  const thresholds = await deps.sla.current()
  const result = await runSweep(deps.db, thresholds, hubNames, now, { atRiskEveryMs: AT_RISK_EVERY_MS })
  // The hub rules judged each minute (hub_silent, hub_exception_spike, hub_volume_high).
  result.changes.push(...(await runFastDetection(deps.db, thresholds, now, { hourlyCache: true })))
  const notable = result.changes.filter((c) => c.action !== 'updated')
  await deps.bus.setStats({ sla_sweep_ms: result.ms, sla_sweep_at: now.getTime() }).catch(() => undefined)
  deps.log.info(
    {
      ms: result.ms,
      opened: notable.filter((c) => c.action === 'opened').length,
      resolved: notable.filter((c) => c.action === 'auto_resolved').length,
      escalated: result.escalated.length,
    },
    'SLA sweep',
  )
  if (result.changes.length > 0 || result.escalated.length > 0) {
    await deps.bus.publish('alerts', {
      at: now.toISOString(),
      changes: await withMuted(deps, result.changes, now),
      escalated: result.escalated,
    })
  }
}

/** Every few minutes: hub volume against its hour-of-week baseline and exception-rate spikes. */
export async function anomalySweep(deps: WorkerDeps, _data: unknown, now = new Date()): Promise<void> {
  const changes = await runAnomalySweep(deps.db, await deps.sla.current(), await deps.calendar.current(), now)
  const notable = changes.filter((c) => c.action !== 'updated')
  if (notable.length > 0)
    deps.log.info(
      {
        opened: notable.filter((c) => c.action === 'opened').length,
        resolved: notable.filter((c) => c.action === 'auto_resolved').length,
      },
      'anomaly sweep',
    )
  if (changes.length > 0)
    await deps.bus.publish('alerts', {
      at: now.toISOString(),
      changes: await withMuted(deps, changes, now),
      escalated: [],
    })
}

/** Marks the changes nobody should be paged for (silence, maintenance window, incident), so consoles stay quiet. */
async function withMuted(deps: WorkerDeps, changes: AlertChange[], now: Date) {
  const muted = await mutedAlertIds(
    deps.db,
    changes.map((c) => c.id),
    now,
  )
  return changes.map((c) => ({ ...c, muted: muted.has(c.id) }))
}
