import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { onlyOn } from '../helpers/test-db.ts'
import { call, startTestSystem } from '../helpers/system.ts'
import { api } from '../helpers/api.ts'
import { event, minutesAgo, shipment } from '../helpers/builders.ts'
import { loadMigrations, migrate } from '../../server/db/migrate.ts'
import { createLogger } from '../../server/lib/logger.ts'

const dirs: string[] = []
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

describe.skipIf(onlyOn('embedded', 'an embedded data directory across restarts'))('embedded database', () => {
  it('keeps its data in DATA_DIR across a restart, takes events after it, and migrating again changes nothing', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pw-persist-'))
    dirs.push(dataDir)
    const s = shipment()
    const first = await startTestSystem({ DATA_DIR: dataDir })
    expect((await call(first, 'POST', '/api/v1/shipments', { token: first.token, body: s })).status).toBe(200)
    expect(await migrate(first.database.pool, createLogger('silent'))).toBe(0)
    await first.stop()

    const second = await startTestSystem({ DATA_DIR: dataDir })
    try {
      const r = await second.database.pool.query('SELECT waybill FROM shipments WHERE waybill = $1', [s.waybill])
      expect(r.rows).toHaveLength(1)
      const ledger = await second.database.pool.query<{ version: number }>(
        'SELECT version FROM schema_migrations ORDER BY version',
      )
      expect(ledger.rows.map((x) => x.version)).toEqual((await loadMigrations()).map((m) => m.version))
      const hyper = await second.database.pool.query(`SELECT hypertable_name FROM timescaledb_information.hypertables`)
      expect(hyper.rows.map((x) => x.hypertable_name)).toContain('scan_events')
      const caggs = await second.database.pool.query(
        `SELECT view_name FROM timescaledb_information.continuous_aggregates`,
      )
      expect(caggs.rows.map((x) => x.view_name)).toContain('events_per_minute')
      // A reopened data directory must still take events into the hypertable (and its aggregates).
      const r2 = await api(second, { token: second.token }).post('/api/v1/events', {
        body: [event(s.waybill, { type: 'collected', hub: 'HGH-O1', courier: 'C-HGH-O1-01', time: minutesAgo(2) })],
      })
      expect(r2).toMatchObject({ accepted: 1 })
      const kpis = await second.database.pool.query<{ n: number }>(
        `SELECT sum(events)::int AS n FROM events_per_minute WHERE type = 'collected'`,
      )
      expect(kpis.rows[0]!.n).toBe(1)
    } finally {
      await second.stop()
    }
  })
})
