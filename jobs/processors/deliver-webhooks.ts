import { deliverDue } from '../../server/services/webhooks.ts'
import type { WorkerDeps } from '../worker.ts'

/** The scheduled webhook delivery: send what the outbox holds due, record the outcomes. */
export async function deliverWebhooks(
  deps: Pick<WorkerDeps, 'db' | 'log'>,
  _data: unknown = {},
  now = new Date(),
): Promise<void> {
  const started = Date.now()
  const r = await deliverDue(deps.db, now)
  if (r.claimed === 0) return
  const fields = {
    claimed: r.claimed,
    delivered: r.delivered,
    failed: r.failed,
    rounds: r.rounds,
    ms: Date.now() - started,
  }
  if (r.failed > 0) deps.log.warn(fields, 'webhook deliveries failed, will retry')
  else deps.log.info(fields, 'webhooks delivered')
}
