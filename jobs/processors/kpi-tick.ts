import type { WorkerDeps } from '../worker.ts'

/** Publishes a fresh snapshot every few seconds even when nothing is ingested, so screens can tell live from stale. */
export async function kpiTick(deps: WorkerDeps): Promise<void> {
  await deps.kpi.publishNow()
}
