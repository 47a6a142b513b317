import { execFile } from 'node:child_process'
import { appendFile, copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { onlyOn } from '../helpers/test-db.ts'
import { scratchDatabase, TEST_SERVER_URL } from '../helpers/server-database.ts'
import { ADMIN_PASSWORD, call, login, startTestSystem, type TestSystem } from '../helpers/system.ts'
import { api } from '../helpers/api.ts'
import { event, shipment } from '../helpers/builders.ts'
import { readManifest } from '../../server/backup/manifest.ts'
import { chooseTool, parseToolVersion } from '../../server/backup/server-dump.ts'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const DAY = 86_400_000
const dirs: string[] = []
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

async function tempDir(prefix: string): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), prefix))
  dirs.push(d)
  return d
}

/** Runs `npm run backup|restore -- …` the way an operator does (tsx, the real environment variables). */
function cli(
  name: 'backup' | 'restore',
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const childEnv: Record<string, string | undefined> = { ...process.env, DATABASE_URL: undefined, ...env }
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, `server/cli/${name}.ts`), ...args],
      { cwd: ROOT, env: childEnv as NodeJS.ProcessEnv },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr })
      },
    )
  })
}

/** A delivered parcel's scans, one per day from six days ago: several hypertable chunks. */
function trajectory(waybill: string, i: number) {
  const at = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY + i * 1000).toISOString()
  return [
    event(waybill, { id: `${waybill}-1`, type: 'collected', hub: 'HGH-O1', courier: 'C-HGH-O1-01', time: at(6) }),
    event(waybill, { id: `${waybill}-2`, type: 'departed_hub', hub: 'HGH-O1', time: at(5) }),
    event(waybill, { id: `${waybill}-3`, type: 'arrived_hub', hub: 'HGH-SC', time: at(4) }),
    event(waybill, { id: `${waybill}-4`, type: 'arrived_hub', hub: 'SHA-O1', time: at(3) }),
    event(waybill, { id: `${waybill}-5`, type: 'out_for_delivery', hub: 'SHA-O1', time: at(2) }),
    event(waybill, { id: `${waybill}-6`, type: 'delivered', hub: 'SHA-O1', signer: '本人', time: at(1) }),
  ]
}

const count = async (sys: TestSystem, table: string) =>
  (await sys.database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n

/**
 * Backs up a running, ingesting system with `npm run backup` (the embedded data directory, or pg_dump
 * of its server database), restores it with `npm run restore` into a fresh data directory (a fresh
 * database on the same server) and checks a second system on it.
 */
async function backUpAndRestore(kind: 'embedded' | 'server'): Promise<void> {
  let scratch: Awaited<ReturnType<typeof scratchDatabase>> | undefined
  const first = await startTestSystem()
  const backupDir = await tempDir('pw-backup-')
  const file = path.join(backupDir, kind === 'embedded' ? 'parcelwatch.tar.gz' : 'parcelwatch.dump')
  const waybills: string[] = []
  let busy: string[] = []
  try {
    // 30 delivered parcels over six days, 10 more that keep scanning during the backup.
    const stable = Array.from({ length: 30 }, () =>
      shipment({ collectedAt: new Date(Date.now() - 7 * DAY).toISOString() }),
    )
    const moving = Array.from({ length: 10 }, () => shipment({ collectedAt: new Date(Date.now() - DAY).toISOString() }))
    expect(
      (await call(first, 'POST', '/api/v1/shipments', { token: first.token, body: [...stable, ...moving] })).status,
    ).toBe(200)
    waybills.push(...stable.map((s) => s.waybill))
    busy = moving.map((s) => s.waybill)
    const r = await api(first, { token: first.token }).post('/api/v1/events', {
      body: stable.flatMap((s, i) => trajectory(s.waybill, i)),
    })
    expect(r).toMatchObject({ accepted: 180, rejected: [] })
    const admin = await login(first, 'admin', ADMIN_PASSWORD)
    for (const hub of ['HGH-SC', 'SHA-O1']) {
      const inc = await call(first, 'POST', '/api/v1/incidents', {
        cookie: admin,
        body: { hub, kind: 'equipment_failure', title: `Sorter down at ${hub}`, comment: 'belt 3' },
      })
      expect(inc.status).toBe(201)
    }
    const chunks = await first.database.pool.query(
      `SELECT chunk_name FROM timescaledb_information.chunks WHERE hypertable_name = 'scan_events'`,
    )
    expect(chunks.rows.length).toBeGreaterThanOrEqual(6)

    // Rows that were committed before the backup started and that nothing changes later.
    const original = {
      shipments: (
        await first.database.pool.query(`SELECT * FROM shipments WHERE waybill = ANY($1) ORDER BY waybill`, [waybills])
      ).rows,
      events: (
        await first.database.pool.query(
          `SELECT * FROM scan_events WHERE waybill = ANY($1) ORDER BY event_time, event_id`,
          [waybills],
        )
      ).rows,
      alerts: (
        await first.database.pool.query(
          `SELECT id, rule, subject, state, severity, hub_code, title, opened_at FROM alerts WHERE rule = 'incident' ORDER BY id`,
        )
      ).rows,
      lookup: await api(first, { cookie: admin }).get('/api/v1/shipments/:waybill', {
        params: { waybill: waybills[7]! },
      }),
    }
    expect(original.alerts).toHaveLength(2)

    // Ingest keeps going while the backup runs.
    let stop = false
    let posted = 0
    const ingesting = (async () => {
      for (let k = 0; !stop; k++) {
        const batch = busy.map((w, j) =>
          event(w, {
            id: `${w}-live-${k}`,
            type: k % 2 ? 'departed_hub' : 'arrived_hub',
            hub: 'HGH-SC',
            time: new Date(Date.now() - 60_000 + j).toISOString(),
          }),
        )
        const res = await api(first, { token: first.token }).post('/api/v1/events', { body: batch })
        expect(res.accepted).toBe(busy.length)
        posted += busy.length
      }
    })()
    const backup = await cli(
      'backup',
      [file],
      kind === 'embedded' ? { DATA_DIR: first.dataDir } : { DATABASE_URL: first.database.url },
    )
    stop = true
    await ingesting
    expect(backup.stderr).toBe('')
    expect(backup.code).toBe(0)
    expect(backup.stdout).toContain(kind === 'embedded' ? 'online, from the running server' : 'with pg_dump')
    expect(posted).toBeGreaterThan(0)

    const manifest = await readManifest(file)
    expect(manifest.kind).toBe(kind)
    expect(manifest.counts.parcels).toBe(40)
    // Sweeps may open alerts while this runs: the snapshot holds the incidents and no more than the end state.
    expect(manifest.counts.alerts).toBeGreaterThanOrEqual(2)
    expect(manifest.counts.alerts).toBeLessThanOrEqual(await count(first, 'alerts'))
    // The snapshot fell somewhere in the live ingest: at least the stable events, at most what was stored by the end.
    expect(manifest.counts.events).toBeGreaterThanOrEqual(180)
    expect(manifest.counts.events).toBeLessThanOrEqual(await count(first, 'scan_events'))
    expect((manifest.counts.events - 180) % busy.length).toBe(0) // whole batches only: between two transactions

    // Restore into a fresh data directory (a fresh database on the server), and a second system on it.
    const target: Record<string, string> =
      kind === 'embedded'
        ? { DATA_DIR: await tempDir('pw-restored-') }
        : { DATABASE_URL: (scratch = await scratchDatabase(TEST_SERVER_URL!)).url }
    const restore = await cli('restore', [file], target)
    expect(restore.stderr).toBe('')
    expect(restore.code).toBe(0)
    expect(restore.stdout).toContain(
      `${manifest.counts.parcels} parcels, ${manifest.counts.events} events, ${manifest.counts.alerts} alerts`,
    )
    expect(restore.stdout).toContain('verified')
    const again = await cli('restore', [file], target)
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('is not empty')

    // No workers on the second system: a sweep would add alerts before the counts are compared.
    const second = await startTestSystem({ ...target, RUN_WORKERS: 'false' })
    try {
      expect(await count(second, 'shipments')).toBe(manifest.counts.parcels)
      expect(await count(second, 'scan_events')).toBe(manifest.counts.events)
      expect(await count(second, 'alerts')).toBe(manifest.counts.alerts)
      expect(
        (
          await second.database.pool.query(`SELECT * FROM shipments WHERE waybill = ANY($1) ORDER BY waybill`, [
            waybills,
          ])
        ).rows,
      ).toEqual(original.shipments)
      expect(
        (
          await second.database.pool.query(
            `SELECT * FROM scan_events WHERE waybill = ANY($1) ORDER BY event_time, event_id`,
            [waybills],
          )
        ).rows,
      ).toEqual(original.events)
      expect(
        (
          await second.database.pool.query(
            `SELECT id, rule, subject, state, severity, hub_code, title, opened_at FROM alerts WHERE rule = 'incident' ORDER BY id`,
          )
        ).rows,
      ).toEqual(original.alerts)
      const chunks2 = await second.database.pool.query(
        `SELECT chunk_name FROM timescaledb_information.chunks WHERE hypertable_name = 'scan_events'`,
      )
      expect(chunks2.rows.length).toBeGreaterThanOrEqual(6)
      const admin2 = await login(second, 'admin', ADMIN_PASSWORD)
      expect(
        await api(second, { cookie: admin2 }).get('/api/v1/shipments/:waybill', { params: { waybill: waybills[7]! } }),
      ).toEqual(original.lookup)

      // Ingest works on the restored database: a new parcel and its scan, and a scan for an old one.
      const s = shipment()
      expect((await call(second, 'POST', '/api/v1/shipments', { token: second.token, body: s })).status).toBe(200)
      const after = await api(second, { token: second.token }).post('/api/v1/events', {
        body: [
          event(s.waybill, {
            type: 'collected',
            hub: 'HGH-O1',
            courier: 'C-HGH-O1-01',
            time: new Date(Date.now() - 60_000).toISOString(),
          }),
          event(busy[0]!, { type: 'arrived_hub', hub: 'SHA-TC', time: new Date(Date.now() - 30_000).toISOString() }),
        ],
      })
      expect(after).toMatchObject({ accepted: 2, rejected: [] })
      expect(await count(second, 'scan_events')).toBe(manifest.counts.events + 2)
    } finally {
      await second.stop()
    }
  } finally {
    await first.stop()
    await scratch?.drop()
  }
}

describe.skipIf(onlyOn('embedded', 'backup and restore of an embedded data directory'))(
  'backup and restore of the embedded database',
  () => {
    it('backs up a running, ingesting system and restores every parcel, event and alert into a fresh data directory that then takes events', async () => {
      await backUpAndRestore('embedded')
    }, 300_000)

    it('refuses a backup file that does not match its manifest, and one without a manifest', async () => {
      const sys = await startTestSystem()
      const dir = await tempDir('pw-backup-bad-')
      const file = path.join(dir, 'b.tar.gz')
      try {
        expect((await cli('backup', [file], { DATA_DIR: sys.dataDir })).code).toBe(0)
        expect((await cli('backup', [file], { DATA_DIR: sys.dataDir })).stderr).toContain('exists already')
      } finally {
        await sys.stop()
      }
      const damaged = path.join(dir, 'damaged.tar.gz')
      await copyFile(file, damaged)
      const manifest = JSON.parse(await readFile(`${file}.manifest.json`, 'utf8'))
      await writeFile(`${damaged}.manifest.json`, JSON.stringify({ ...manifest, file: 'damaged.tar.gz' }))
      const bytes = await readFile(damaged)
      const mid = bytes.length >> 1
      bytes[mid] = bytes[mid]! ^ 0xff
      await writeFile(damaged, bytes)
      const r = await cli('restore', [damaged], { DATA_DIR: await tempDir('pw-restored-') })
      expect(r.code).toBe(1)
      expect(r.stderr).toContain("does not match its manifest's SHA-256")
      await appendFile(damaged, Buffer.from([0]))
      expect((await cli('restore', [damaged], { DATA_DIR: await tempDir('pw-restored-') })).stderr).toContain(
        'incomplete or not the same backup',
      )

      await copyFile(file, path.join(dir, 'alone.tar.gz'))
      const alone = await cli('restore', [path.join(dir, 'alone.tar.gz')], { DATA_DIR: await tempDir('pw-restored-') })
      expect(alone.code).toBe(1)
      expect(alone.stderr).toContain('no manifest')
    }, 180_000)
  },
)

describe.skipIf(onlyOn('server', 'pg_dump and pg_restore of a TimescaleDB server database'))(
  'backup and restore on a TimescaleDB server',
  () => {
    it('backs up a running, ingesting system with pg_dump and restores every parcel, event and alert into a fresh database that then takes events', async () => {
      await backUpAndRestore('server')
    }, 300_000)
  },
)

describe('backup and restore against a TimescaleDB server (what this machine can check without one)', () => {
  it('says clearly that it cannot reach the server, leaves no partial file, and refuses to restore an embedded backup there', async () => {
    const dir = await tempDir('pw-backup-srv-')
    const file = path.join(dir, 'server.dump')
    const r = await cli('backup', [file], { DATABASE_URL: 'postgres://pw@127.0.0.1:1/parcelwatch' })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('cannot connect to the database server at 127.0.0.1:1/parcelwatch')
    await expect(readFile(file)).rejects.toThrow()
    const usage = await cli('backup', [], {})
    expect(usage.code).toBe(2)
    expect(usage.stderr).toContain('usage: npm run backup -- <file>')
  })

  it('picks a pg_dump at least as new as the server, and otherwise names the version to install', () => {
    const v15 = parseToolVersion('pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)')
    expect(v15).toEqual({ version: '15.20', major: 15 })
    const tools = [
      { path: '/usr/lib/postgresql/17/bin/pg_dump', version: '17.2', major: 17 },
      { path: '/usr/bin/pg_dump', ...v15! },
    ]
    expect(chooseTool('pg_dump', tools, 16, 'a PostgreSQL 16 server').path).toBe('/usr/lib/postgresql/17/bin/pg_dump')
    expect(() => chooseTool('pg_dump', tools.slice(1), 17, 'a PostgreSQL 17 server')).toThrow(
      /a PostgreSQL 17 server needs pg_dump 17 or newer, but only pg_dump 15\.20 \(\/usr\/bin\/pg_dump\) found.*postgresql-client-17.*--pg-bin=\/usr\/lib\/postgresql\/17\/bin/,
    )
  })
})
