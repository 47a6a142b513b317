/**
 * The manifest written next to every backup (`<file>.manifest.json`): what the
 * backup holds, read from the same snapshot as the data, so that a restore can
 * show it before it starts and check the restored database against it after.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import type { SnapshotFacts } from '../db/embedded-snapshot.ts'

export const MANIFEST_FORMAT = 'parcelwatch-backup/1'

const countsSchema = z.object({
  parcels: z.number().int().min(0),
  events: z.number().int().min(0),
  alerts: z.number().int().min(0),
})

const manifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  /** embedded: a gzipped tar of the PGlite data directory; server: a pg_dump custom-format archive. */
  kind: z.enum(['embedded', 'server']),
  file: z.string(),
  createdAt: z.string(),
  migrationVersion: z.number().int().min(0),
  counts: countsSchema,
  postgresVersion: z.string(),
  timescaledbVersion: z.string(),
  bytes: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** How it was taken: "online (running server)", "offline (data directory)", "pg_dump 17.2". */
  takenWith: z.string(),
})

export type BackupManifest = z.infer<typeof manifestSchema>
export type Counts = z.infer<typeof countsSchema>

export const manifestPath = (backupFile: string) => `${backupFile}.manifest.json`

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

export function buildManifest(
  kind: BackupManifest['kind'],
  file: string,
  facts: SnapshotFacts,
  bytes: number,
  sha256: string,
  takenWith: string,
  createdAt: Date,
): BackupManifest {
  return {
    format: MANIFEST_FORMAT,
    kind,
    file: path.basename(file),
    createdAt: createdAt.toISOString(),
    migrationVersion: facts.migrationVersion,
    counts: facts.counts,
    postgresVersion: facts.postgresVersion,
    timescaledbVersion: facts.timescaledbVersion,
    bytes,
    sha256,
    takenWith,
  }
}

export async function writeManifest(backupFile: string, manifest: BackupManifest): Promise<string> {
  const target = manifestPath(backupFile)
  await writeFile(target, `${JSON.stringify(manifest, null, 2)}\n`)
  return target
}

export class ManifestError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ManifestError'
  }
}

export async function readManifest(backupFile: string): Promise<BackupManifest> {
  const target = manifestPath(backupFile)
  let text: string
  try {
    text = await readFile(target, 'utf8')
  } catch {
    throw new ManifestError(`no manifest at ${target}: a backup is the file and its manifest, keep them together`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new ManifestError(`${target} is not JSON`)
  }
  const parsed = manifestSchema.safeParse(json)
  if (!parsed.success)
    throw new ManifestError(
      `${target} is not a ParcelWatch backup manifest: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    )
  return parsed.data
}

/** Checks that the backup file is the one the manifest describes (size and SHA-256). */
export async function verifyBackupFile(backupFile: string, manifest: BackupManifest, bytes: number): Promise<void> {
  if (bytes !== manifest.bytes)
    throw new ManifestError(
      `${backupFile} has ${bytes} bytes, its manifest says ${manifest.bytes}: incomplete or not the same backup`,
    )
  const sum = await sha256File(backupFile)
  if (sum !== manifest.sha256)
    throw new ManifestError(`${backupFile} does not match its manifest's SHA-256: damaged or not the same backup`)
}

export function describeManifest(m: BackupManifest): string {
  return [
    `  kind       : ${m.kind === 'embedded' ? 'embedded database (PGlite data directory, gzipped tar)' : 'TimescaleDB server (pg_dump custom format)'}`,
    `  created at : ${m.createdAt} (${m.takenWith})`,
    `  migration  : ${m.migrationVersion}`,
    `  counts     : ${m.counts.parcels} parcels, ${m.counts.events} events, ${m.counts.alerts} alerts`,
    `  versions   : PostgreSQL ${m.postgresVersion}, TimescaleDB ${m.timescaledbVersion}`,
    `  file       : ${m.file}, ${m.bytes} bytes, sha256 ${m.sha256}`,
  ].join('\n')
}

/** Differences between what the manifest promised and what the restored database holds. */
export function countMismatches(expected: Counts, found: Counts): string[] {
  return (Object.keys(expected) as (keyof Counts)[])
    .filter((k) => expected[k] !== found[k])
    .map((k) => `${k}: manifest ${expected[k]}, restored ${found[k]}`)
}
