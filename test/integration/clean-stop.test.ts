/**
 * Stopping the product the way a person does: one SIGINT (Ctrl-C) or SIGTERM to the
 * npm process only, not to its process group. npm forwards it to its child; every
 * process under npm (the server, the embedded database, the simulator inside the
 * server) must then be gone, and the server must say it stopped cleanly (not the
 * forced path). `--ignore-scripts` skips the `predemo`/`prestart` web build (npm still
 * runs the script itself), so this is the very command line `npm run demo` runs.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { freePort, productEnv } from '../helpers/processes.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

interface Proc {
  pid: number
  ppid: number
  start: string
  cmd: string
}

async function processTable(): Promise<Proc[]> {
  const out: Proc[] = []
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      const stat = await readFile(`/proc/${d}/stat`, 'utf8')
      // pid (comm) state ppid … field 22 starttime; comm may hold spaces.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      const cmd = (await readFile(`/proc/${d}/cmdline`, 'utf8')).replace(/\0/g, ' ').trim()
      out.push({ pid: Number(d), ppid: Number(rest[1]), start: rest[19]!, cmd })
    } catch {
      /* gone meanwhile */
    }
  }
  return out
}

async function descendants(root: number): Promise<Proc[]> {
  const table = await processTable()
  const found: Proc[] = []
  const walk = (pid: number) => {
    for (const p of table)
      if (p.ppid === pid) {
        found.push(p)
        walk(p.pid)
      }
  }
  walk(root)
  return found
}

async function alive(p: Proc): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${p.pid}/stat`, 'utf8')
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return rest[19] === p.start && rest[0] !== 'Z'
  } catch {
    return false
  }
}

const started: ChildProcess[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const c of started.splice(0)) {
    try {
      process.kill(-c.pid!, 'SIGKILL')
    } catch {
      /* gone */
    }
  }
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})

async function runAndStop(script: 'demo' | 'start', signal: NodeJS.Signals) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pw-stop-'))
  dirs.push(dataDir)
  const env = {
    PATH: process.env.PATH!,
    HOME: process.env.HOME ?? os.tmpdir(),
    TMPDIR: os.tmpdir(),
    LANG: process.env.LANG ?? 'C.UTF-8',
    ...productEnv({ DATA_DIR: dataDir, PORT: String(await freePort()) }),
  }
  // Its own process group, so that a failing test can still clean up everything;
  // the signal under test goes to the npm process alone.
  const npm = spawn('npm', ['run', script, '--ignore-scripts'], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  started.push(npm)
  let output = ''
  npm.stdout!.on('data', (b: Buffer) => {
    output += b.toString()
  })
  npm.stderr!.on('data', (b: Buffer) => {
    output += b.toString()
  })
  const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)))
  for (let i = 0; !output.includes('ParcelWatch is ready'); i++) {
    if (npm.exitCode !== null || i > 1800) throw new Error(`not ready:\n${output.slice(-3000)}`)
    await new Promise((r) => setTimeout(r, 100))
  }
  const tree = await descendants(npm.pid!)
  // npm's shell (when it does not exec), the server, and the embedded database it forked.
  expect(
    tree.some((p) => p.cmd.includes('server/main.ts')),
    JSON.stringify(tree),
  ).toBe(true)
  expect(
    tree.some((p) => p.cmd.includes('embedded-process.ts')),
    JSON.stringify(tree),
  ).toBe(true)

  process.kill(npm.pid!, signal)
  await exited
  const left: Proc[] = []
  for (let i = 0; i < 600; i++) {
    left.length = 0
    for (const p of tree) if (await alive(p)) left.push(p)
    if (left.length === 0) break
    await new Promise((r) => setTimeout(r, 100))
  }
  expect(left.map((p) => `${p.pid} ${p.cmd}`)).toEqual([])
  expect(output).toContain('ParcelWatch stopped')
  expect(output).not.toContain('ending the database and Redis processes now')
}

describe('clean stop', () => {
  it('SIGINT to `npm run demo` stops the server, the simulator and the embedded database', async () => {
    await runAndStop('demo', 'SIGINT')
  }, 300_000)

  it('SIGTERM to `npm start` stops the server and the embedded database', async () => {
    await runAndStop('start', 'SIGTERM')
  }, 300_000)
})
