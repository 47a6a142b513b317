import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { onlyOn } from '../helpers/test-db.ts'
import { startTestSystem, type TestSystem } from '../helpers/system.ts'
import { runDbPolicies } from '../../jobs/processors/run-db-policies.ts'
import { createLogger } from '../../server/lib/logger.ts'

// segment_recent (the recent factor's table) keeps two days: sql/053's retention policy,
// run on the embedded database by the run-db-policies job.
let sys: TestSystem
describe.skipIf(onlyOn('embedded', 'a TimescaleDB server runs its retention policies itself, on its own schedule'))(
  'segment_recent stays bounded',
  () => {
    beforeAll(async () => {
      sys = await startTestSystem({ RUN_WORKERS: 'false' })
    })
    afterAll(async () => {
      await sys?.stop()
    })

    it('drops the hours older than two days and keeps the recent ones the estimate reads', async () => {
      const db = sys.database.pool
      const now = Date.now()
      await db.query(
        `INSERT INTO segment_recent (hour, kind, place, tier, n, hours) VALUES
         (date_trunc('hour', $1::timestamptz), 'hub_dwell', 'HGH-SC', 'standard', 3, 6),
         (date_trunc('hour', $2::timestamptz), 'hub_dwell', 'HGH-SC', 'standard', 2, 4)`,
        [new Date(now - 5 * 86_400_000), new Date(now - 3_600_000)],
      )
      await runDbPolicies({ db, log: createLogger('silent') })
      const left = await db.query<{ n: number }>(`SELECT n FROM segment_recent WHERE place = 'HGH-SC' ORDER BY hour`)
      expect(left.rows.map((r) => r.n)).toEqual([2])
    })
  },
)
