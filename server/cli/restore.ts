/**
 * npm run restore -- <file> [--force] [--pg-bin=<dir>]
 *
 * Restores a backup made by `npm run backup` into DATA_DIR (embedded) or DATABASE_URL
 * (server), after showing its manifest and checking the file against it; then checks
 * the restored parcels, events and alerts against the manifest's counts.
 */
import { stat } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { loadConfig } from '../config.ts'
import { loadMigrations } from '../db/migrate.ts'
import { BackupRefused, restoreEmbedded } from '../backup/embedded.ts'
import { restoreServer } from '../backup/server-dump.ts'
import { countMismatches, describeManifest, readManifest, verifyBackupFile } from '../backup/manifest.ts'
import { runCli, UsageError } from './run-cli.ts'

const USAGE = `usage: npm run restore -- <file> [--force] [--pg-bin=<dir>]
  Restores <file> (with <file>.manifest.json beside it) into the embedded database in DATA_DIR,
  which must be empty or absent, or into the server database at DATABASE_URL, which must be fresh.
  Stop the server first. Then start it on the restored database as usual.
  --force   embedded: move a non-empty DATA_DIR/pg aside (pg.before-restore-<time>) instead of refusing;
            also accept a backup from a newer ParcelWatch migration than this one knows
  --pg-bin  directory holding pg_restore (DATABASE_URL only; default: the newest installed)`

runCli(USAGE, async (argv, out) => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { force: { type: 'boolean' }, 'pg-bin': { type: 'string' }, help: { type: 'boolean' } },
  })
  if (values.help) return void out(USAGE)
  if (positionals.length !== 1)
    throw new UsageError(positionals.length === 0 ? 'name the backup file' : 'one backup file at a time')
  const file = positionals[0]!
  const size = await stat(file).then(
    (s) => s.size,
    () => undefined,
  )
  if (size === undefined) throw new UsageError(`${file} does not exist`)
  const config = loadConfig()
  const manifest = await readManifest(file)
  out(`backup ${file}:\n${describeManifest(manifest)}`)
  await verifyBackupFile(file, manifest, size)

  const target = config.databaseUrl ? 'server' : 'embedded'
  if (manifest.kind !== target) {
    throw new BackupRefused(
      manifest.kind === 'embedded'
        ? 'this is a backup of an embedded database: restore it with DATABASE_URL unset (into DATA_DIR)'
        : 'this is a pg_dump of a TimescaleDB server: restore it with DATABASE_URL set to a fresh database',
    )
  }
  const known = Math.max(0, ...(await loadMigrations()).map((m) => m.version))
  if (manifest.migrationVersion > known && !values.force) {
    throw new BackupRefused(
      `the backup is at migration ${manifest.migrationVersion}, this ParcelWatch knows up to ${known}: restore it with a newer ParcelWatch (or --force)`,
    )
  }

  const started = performance.now()
  let facts
  if (config.databaseUrl) {
    out('restoring into the server at DATABASE_URL (timescaledb_pre_restore, pg_restore, timescaledb_post_restore)…')
    facts = await restoreServer(file, manifest, config.databaseUrl, values['pg-bin'])
  } else {
    out(`restoring into the embedded database in ${config.dataDir}…`)
    const r = await restoreEmbedded(file, config.dataDir, values.force === true, new Date())
    if (r.movedAside) out(`  the database that was there is kept in ${r.movedAside}`)
    facts = r.facts
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  const wrong = countMismatches(manifest.counts, facts.counts)
  if (wrong.length > 0)
    throw new BackupRefused(`restored in ${seconds} s, but the counts differ from the manifest: ${wrong.join('; ')}`)
  out(
    `restored in ${seconds} s and verified: ${facts.counts.parcels} parcels, ${facts.counts.events} events, ${facts.counts.alerts} alerts, migration ${facts.migrationVersion}` +
      (facts.migrationVersion < known
        ? ` (the server applies migrations ${facts.migrationVersion + 1}–${known} at its next start)`
        : ''),
  )
})
