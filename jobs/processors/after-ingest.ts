import type { JobData } from '../queues.ts'
import type { WorkerDeps } from '../worker.ts'

/**
 * Runs after every accepted ingest batch. Idempotent: it may run twice (a stalled
 * job is retried), and all it does is bring derived views up to date.
 */
export async function afterIngest(deps: WorkerDeps, _data: JobData<'after-ingest'>): Promise<void> {
  deps.kpi.markDirty()
  await deps.requestSweep()
}
