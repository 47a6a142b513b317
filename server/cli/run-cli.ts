/** Shared shape of the command-line tools: usage errors exit 2, refusals exit 1 with their message only. */
import { BackupRefused } from '../backup/embedded.ts'
import { ManifestError } from '../backup/manifest.ts'
import { ConfigError } from '../config.ts'

export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

export function runCli(usage: string, main: (argv: string[], out: (line: string) => void) => Promise<void>): void {
  const out = (line: string) => void process.stdout.write(`${line}\n`)
  main(process.argv.slice(2), out).then(
    () => process.exit(0),
    (err: unknown) => {
      if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
        process.stderr.write(`${(err as Error).message}\n${usage}\n`)
        process.exit(2)
      }
      const known = err instanceof BackupRefused || err instanceof ManifestError || err instanceof ConfigError
      process.stderr.write(
        `${known ? (err as Error).message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      )
      process.exit(1)
    },
  )
}
