import type { WorkerDeps } from '../worker.ts'
import { erasePersonalData } from '../../server/services/pii-retention.ts'

/** Daily: erases the personal data of parcels closed longer than PII_RETENTION_DAYS ago. Idempotent. */
export async function piiRetention(deps: WorkerDeps): Promise<void> {
  await erasePersonalData(deps.db, deps.log, deps.piiRetentionDays, new Date())
}
