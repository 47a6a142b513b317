import type pg from 'pg'
import type { Logger } from '../lib/logger.ts'
import { insertAudit } from '../db/audit-repo.ts'
import { withTransaction } from '../db/tx.ts'
import {
  clearEventSigners,
  compressedChunksBetween,
  eraseClosedComplaints,
  erasePersonalBatch,
} from '../db/retention-repo.ts'

export interface RetentionResult {
  cutoff: Date
  parcels: number
  events: number
  chunksDecompressed: number
  complaints: number
}

const DAY_MS = 86_400_000

/**
 * Clears the signer on scans, also in compressed chunks. TimescaleDB 2.11+ updates
 * compressed chunks in place (decompressing only the batches it touches); should a
 * build refuse that, the chunks of the range are decompressed, updated and
 * compressed again, inside the same transaction.
 */
async function clearSigners(
  client: pg.PoolClient,
  waybills: string[],
  from: Date,
  cutoff: Date,
): Promise<{ events: number; decompressed: number }> {
  await client.query('SAVEPOINT signers')
  try {
    const events = await clearEventSigners(client, waybills, from, cutoff)
    await client.query('RELEASE SAVEPOINT signers')
    return { events, decompressed: 0 }
  } catch (err) {
    if (!/compress/i.test((err as Error).message)) throw err
    await client.query('ROLLBACK TO SAVEPOINT signers')
  }
  const chunks = await compressedChunksBetween(client, from, cutoff)
  for (const c of chunks) await client.query('SELECT decompress_chunk($1::regclass, if_compressed => true)', [c])
  const events = await clearEventSigners(client, waybills, from, cutoff)
  for (const c of chunks) await client.query('SELECT compress_chunk($1::regclass, if_not_compressed => true)', [c])
  return { events, decompressed: chunks.length }
}

/**
 * PIPL's shortest retention: personal data (sender and recipient name, phone,
 * phone last 4, address; the signer, on the parcel and on its scans) of parcels
 * delivered or returned more than `retentionDays` before `now` is erased; the
 * parcel record and its scans stay for statistics and finance. Batches of
 * `batchSize` parcels, each in one transaction; idempotent (erased parcels no
 * longer match). Complaints closed that long ago lose their contact details,
 * description and handling notes. Logs and audits counts only.
 */
export async function erasePersonalData(
  db: pg.Pool,
  log: Logger,
  retentionDays: number,
  now: Date,
  batchSize = 2000,
): Promise<RetentionResult> {
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS)
  const total: RetentionResult = { cutoff, parcels: 0, events: 0, chunksDecompressed: 0, complaints: 0 }
  for (;;) {
    const { erased, events, decompressed } = await withTransaction(
      db,
      { name: 'personal data erasure' },
      async (client) => {
        const batch = await erasePersonalBatch(client, cutoff, batchSize, now)
        const r =
          batch.parcels > 0 && batch.firstCollectedAt
            ? await clearSigners(client, batch.waybills, batch.firstCollectedAt, cutoff)
            : { events: 0, decompressed: 0 }
        return { erased: batch.parcels, ...r }
      },
    )
    total.events += events
    total.chunksDecompressed += decompressed
    total.parcels += erased
    if (erased < batchSize) break
  }
  total.complaints = await eraseClosedComplaints(db, cutoff, now)
  await insertAudit(db, {
    at: now,
    userId: null,
    username: 'system',
    role: 'system',
    kind: 'system',
    action: 'retention.erase_personal_data',
    target: null,
    route: null,
    requestId: null,
    details: {
      retentionDays,
      cutoff: cutoff.toISOString(),
      parcels: total.parcels,
      events: total.events,
      chunksDecompressed: total.chunksDecompressed,
      complaints: total.complaints,
    },
  })
  log.info(
    {
      retentionDays,
      cutoff,
      parcels: total.parcels,
      events: total.events,
      chunksDecompressed: total.chunksDecompressed,
      complaints: total.complaints,
    },
    'personal data past retention erased',
  )
  return total
}
