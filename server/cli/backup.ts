/**
 * npm run backup -- <file> [--pg-bin=<dir>]
 *
 * Backs up the database the server uses (same environment as the server: DATA_DIR
 * for the embedded database, DATABASE_URL for a TimescaleDB server) into <file>,
 * and writes <file>.manifest.json beside it. Safe while the server runs.
 */
import { rm, stat } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { loadConfig } from '../config.ts'
import { backupEmbedded } from '../backup/embedded.ts'
import { backupServer } from '../backup/server-dump.ts'
import { buildManifest, describeManifest, sha256File, writeManifest } from '../backup/manifest.ts'
import { runCli, UsageError } from './run-cli.ts'

const USAGE = `usage: npm run backup -- <file> [--pg-bin=<dir>]
  Backs up the embedded database in DATA_DIR (or the server at DATABASE_URL) into <file>
  and writes <file>.manifest.json beside it. Safe while the server is running.
  --pg-bin  directory holding pg_dump (DATABASE_URL only; default: the newest installed)`

runCli(USAGE, async (argv, out) => {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { 'pg-bin': { type: 'string' }, help: { type: 'boolean' } },
    allowPositionals: true,
  })
  if (values.help) return void out(USAGE)
  if (positionals.length !== 1)
    throw new UsageError(positionals.length === 0 ? 'name the backup file' : 'one backup file at a time')
  const file = positionals[0]!
  if (
    await stat(file).then(
      () => true,
      () => false,
    )
  )
    throw new UsageError(`${file} exists already: choose a new name`)
  const config = loadConfig()
  const started = new Date()
  out(
    config.databaseUrl
      ? 'backing up the TimescaleDB server at DATABASE_URL with pg_dump…'
      : `backing up the embedded database in ${config.dataDir}…`,
  )
  const { facts, takenWith } = await (
    config.databaseUrl ? backupServer(config.databaseUrl, file, values['pg-bin']) : backupEmbedded(config.dataDir, file)
  ).catch(async (err: unknown) => {
    await rm(file, { force: true }) // a partial backup must not pass for one
    throw err
  })
  const { size } = await stat(file)
  const manifest = buildManifest(
    config.databaseUrl ? 'server' : 'embedded',
    file,
    facts,
    size,
    await sha256File(file),
    takenWith,
    started,
  )
  const written = await writeManifest(file, manifest)
  out(`backup written: ${file} (manifest ${written})\n${describeManifest(manifest)}`)
})
