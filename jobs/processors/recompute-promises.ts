import type { WorkerDeps } from '../worker.ts'

/** After a calendar change: every open parcel's promise on the new calendar. Idempotent. */
export async function recomputePromises(deps: WorkerDeps): Promise<void> {
  const started = Date.now()
  const n = await deps.calendar.recomputeOpen()
  deps.log.info({ parcels: n, ms: Date.now() - started }, 'promises recomputed')
}
