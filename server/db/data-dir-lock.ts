import { open, readFile, unlink } from 'node:fs/promises'
import path from 'node:path'

/**
 * One process at a time per embedded data directory. Two PGlite instances writing
 * the same directory corrupt it (we once saw a damaged WAL from a second server
 * started on a directory still in use), and PGlite takes no lock of its own.
 * The lock is a file beside the directory (`<dir>.lock`, so that it is never part of
 * the directory's backups) holding the owner's pid, created exclusively; a file
 * left by a process that no longer exists is taken over.
 */
export const lockFileOf = (dir: string) => `${path.resolve(dir)}.lock`

export class DataDirInUse extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(
      `the data directory ${dir} is in use by process ${pid} (a ParcelWatch server or its embedded database): ` +
        `stop that process first; if process ${pid} is not ParcelWatch, delete ${lockFileOf(dir)}`,
    )
    this.name = 'DataDirInUse'
  }
}

/** The pid holding `dir`, if a live process does. */
export async function dataDirHolder(dir: string): Promise<number | undefined> {
  const text = await readFile(lockFileOf(dir), 'utf8').catch(() => undefined)
  const pid = Number(text?.trim())
  return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined
}

/**
 * Takes `dir` for this process; the returned function lets it go. A live holder is
 * waited for up to `waitMs` (a server restarted at once may find its predecessor's
 * database still closing), then refused with DataDirInUse.
 */
export async function lockDataDir(dir: string, waitMs = 10_000): Promise<() => Promise<void>> {
  const file = lockFileOf(dir)
  const until = Date.now() + waitMs
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(file, 'wx')
      await handle.writeFile(`${process.pid}\n`)
      await handle.close()
      return async () => {
        const owner = await readFile(file, 'utf8').catch(() => '')
        if (Number(owner.trim()) === process.pid) await unlink(file).catch(() => undefined)
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 1_000) throw err
      const holder = await dataDirHolder(dir)
      if (holder !== undefined && holder !== process.pid) {
        if (Date.now() >= until) throw new DataDirInUse(dir, holder)
        await new Promise((resolve) => setTimeout(resolve, 200))
        continue
      }
      await unlink(file).catch(() => undefined) // left by a process that is gone
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' // exists, but not ours to signal
  }
}
