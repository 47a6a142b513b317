import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { Redis } from 'ioredis'
import type { Logger } from './logger.ts'

const DEFAULT_URL = 'redis://127.0.0.1:6379'

async function answers(url: string): Promise<boolean> {
  const r = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1500,
  })
  r.on('error', () => undefined)
  try {
    await r.connect()
    return (await r.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    r.disconnect()
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

export interface RedisHandle {
  url: string
  stop(): Promise<void>
}

/**
 * REDIS_URL set: use it. Unset: use the local default if it answers, else start
 * redis-server from PATH as a child (no persistence, temp dir), else fail with
 * what to do.
 */
export async function resolveRedis(configured: string | undefined, log: Logger): Promise<RedisHandle> {
  if (configured) return { url: configured, stop: async () => undefined }
  if (await answers(DEFAULT_URL)) return { url: DEFAULT_URL, stop: async () => undefined }
  const port = await freePort()
  const dir = await mkdtemp(path.join(os.tmpdir(), 'parcelwatch-redis-'))
  let child: ChildProcess
  try {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: 'ignore' },
    )
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject)
      child.once('spawn', () => resolve())
    })
  } catch {
    throw new Error(
      'No Redis answers at 127.0.0.1:6379 and redis-server is not on PATH. Install Redis (apt-get install redis-server) or set REDIS_URL.',
    )
  }
  const url = `redis://127.0.0.1:${port}`
  for (let i = 0; i < 50 && !(await answers(url)); i++) await new Promise((r) => setTimeout(r, 100))
  log.info({ url, pid: child.pid }, 'started a private redis-server')
  // Should this process end without stop(), its redis-server must not outlive it.
  const orphanGuard = () => {
    child.kill('SIGKILL')
  }
  process.once('exit', orphanGuard)
  return {
    url,
    stop: async () => {
      process.off('exit', orphanGuard)
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    },
  }
}
