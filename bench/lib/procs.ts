/**
 * Helpers shared by the websocket benchmarks: child processes talking over IPC,
 * the open-file limit they need, CPU and memory of a process, percentiles.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** Soft and hard limits on open files for processes this one starts (read through the shell, Node has no API). */
export function fileLimits(): { soft: number; hard: number } {
  const read = (flag: string) => {
    const out = execFileSync('sh', ['-c', `ulimit ${flag} -n`], { encoding: 'utf8' }).trim()
    return out === 'unlimited' ? Number.POSITIVE_INFINITY : Number(out)
  }
  return { soft: read('-S'), hard: read('-H') }
}

/**
 * How children are started so that each may hold `need` sockets: unchanged when the
 * soft limit allows it, else raised with `ulimit -n` in a shell that execs node.
 * Throws with a clear message when even the hard limit is too low.
 */
export function planFileLimit(need: number): { raiseTo: number | undefined; note: string } {
  const { soft, hard } = fileLimits()
  if (soft >= need) return { raiseTo: undefined, note: `open-file limit ${soft} >= ${need} needed per process` }
  if (hard < need) {
    throw new Error(
      `each benchmark process needs about ${need} open files but the hard limit is ${hard} (soft ${soft}): ` +
        `raise it (e.g. \`ulimit -Hn ${need}\` as root, or LimitNOFILE) or run with fewer clients (BENCH_WS_CLIENTS)`,
    )
  }
  return {
    raiseTo: need,
    note: `open-file limit raised from ${soft} to ${need} for the child processes (hard limit ${hard})`,
  }
}

export interface Child {
  proc: ChildProcess
  pid: number
  /** Resolves with the next IPC message satisfying `match` (messages are objects with a `type`). */
  next<T = any>(type: string, timeoutMs?: number): Promise<T>
  send(message: unknown): void
  /** Asks politely (a `stop` message), then SIGKILLs this child (and only it) if it has not exited. */
  stop(graceMs?: number): Promise<void>
}

/**
 * Starts `file` (a .ts module) with `node --import tsx` and an IPC channel; the child
 * learns its role from argv[2]. stdout/stderr are inherited.
 */
export function startChild(
  file: string | URL,
  role: string,
  env: Record<string, string> = {},
  raiseFilesTo?: number,
): Child {
  const script = typeof file === 'string' ? file : fileURLToPath(file)
  const nodeArgs = ['--import', 'tsx', script, role]
  const options = {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'] as ('ignore' | 'inherit' | 'ipc')[],
    env: { ...process.env, ...env },
  }
  const proc = raiseFilesTo
    ? spawn('sh', ['-c', `ulimit -n ${raiseFilesTo} && exec "$0" "$@"`, process.execPath, ...nodeArgs], options)
    : spawn(process.execPath, nodeArgs, options)
  const queue: any[] = []
  const waiters: Array<{ type: string; resolve: (m: any) => void; reject: (e: Error) => void }> = []
  let exited: Error | undefined
  proc.on('message', (m: any) => {
    if (m?.type === 'error') {
      const err = new Error(`${role} child: ${m.message}`)
      for (const w of waiters.splice(0)) w.reject(err)
      exited = err
      return
    }
    const i = waiters.findIndex((w) => w.type === m?.type)
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(m)
    else queue.push(m)
  })
  proc.on('exit', (code, signal) => {
    exited ??= new Error(`${role} child exited (code ${code}, signal ${signal})`)
    for (const w of waiters.splice(0)) w.reject(exited)
  })
  return {
    proc,
    pid: proc.pid!,
    next(type, timeoutMs = 300_000) {
      const i = queue.findIndex((m) => m?.type === type)
      if (i >= 0) return Promise.resolve(queue.splice(i, 1)[0])
      if (exited) return Promise.reject(exited)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${role} child: no "${type}" within ${timeoutMs} ms`)),
          timeoutMs,
        )
        waiters.push({
          type,
          resolve: (m) => {
            clearTimeout(timer)
            resolve(m)
          },
          reject: (e) => {
            clearTimeout(timer)
            reject(e)
          },
        })
      })
    },
    send(message) {
      if (proc.connected) proc.send(message as any)
    },
    async stop(graceMs = 20_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return
      const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
      if (proc.connected) proc.send({ type: 'stop' })
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs)
      await gone
      clearTimeout(timer)
    },
  }
}

/** In a child: sends a message to the parent. */
export function tell(message: { type: string; [k: string]: unknown }): void {
  process.send?.(message)
}

/** In a child: messages from the parent not yet asked for (collected from the moment this module loads). */
const inbox: any[] = []
const inboxWaiters: Array<{ types: string[]; resolve: (m: any) => void }> = []
if (process.send) {
  process.on('message', (m: any) => {
    const i = inboxWaiters.findIndex((w) => w.types.includes(m?.type))
    if (i >= 0) inboxWaiters.splice(i, 1)[0]!.resolve(m)
    else inbox.push(m)
  })
}

/** In a child: the next message of that type (or of one of those types) from the parent. */
export function heard<T = any>(type: string | string[]): Promise<T> {
  const types = Array.isArray(type) ? type : [type]
  const i = inbox.findIndex((m) => types.includes(m?.type))
  if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0])
  return new Promise((resolve) => inboxWaiters.push({ types, resolve }))
}

/** In a child: runs the role, then exits (the IPC channel would keep it alive); a failure goes to the parent. */
export function runChild(work: () => Promise<void>): void {
  work().then(() => process.exit(0), failChild)
}

/** In a child: reports a failure to the parent and exits. */
export function failChild(err: unknown): void {
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err)
  process.stderr.write(`${message}\n`)
  process.send?.({ type: 'error', message })
  setTimeout(() => process.exit(1), 100)
}

/** Resident memory of a process in MB (Linux /proc), 0 when unknown. */
export function rssMb(pid: number | undefined): number {
  if (!pid) return 0
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Math.round(Number(m[1]) / 1024) : 0
  } catch {
    return 0
  }
}

let clockTicks: number | undefined

/** User + system CPU seconds a process has used so far (Linux /proc/<pid>/stat), NaN when unknown. */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return Number.NaN
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // fields[0] is field 3 (state): utime is field 14, stime field 15.
    const ticks = Number(fields[11]) + Number(fields[12])
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
    return ticks / clockTicks
  } catch {
    return Number.NaN
  }
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i]!
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Reads `--name=value` from argv, then the environment variable, then the default. */
export function option(name: string, envName: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`))
  const raw = arg ? arg.slice(name.length + 3) : process.env[envName]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} / ${envName} must be a positive number, got ${raw}`)
  return n
}

export const quickMode = () => process.argv.includes('--quick') || process.env.BENCH_QUICK === '1'
