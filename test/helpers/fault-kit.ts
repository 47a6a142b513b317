import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import type pg from 'pg'
import { shipment } from './builders.ts'
import { eventBatchResult, shipmentBatchResult } from '../../contract/ingest.ts'

/**
 * Fault-injection kit: a private redis-server that can be killed and brought back
 * on the same port, a stream client that retries retryable answers with the same
 * event ids and records what the API acknowledged, and the counting queries the
 * reconciliations end with.
 */

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Polls `probe` until it returns something other than undefined, or throws after `ms` (a hang guard, not an assertion on speed). */
export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  ms = 60_000,
  everyMs = 200,
): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await sleep(everyMs)
  }
}

// Children this test process started: killed on exit whatever happens.
const children = new Set<ChildProcess>()
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL')
})
export function track(child: ChildProcess): ChildProcess {
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

async function redisAnswers(url: string): Promise<boolean> {
  const r = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
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

/** A redis-server of our own (no persistence: a restart comes back empty), killable and restartable on the same port. */
export class PrivateRedis {
  private child: ChildProcess | undefined
  private dir = ''
  port = 0

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort()
    if (!this.dir) this.dir = await mkdtemp(path.join(os.tmpdir(), 'pw-fault-redis-'))
    const child = track(
      spawn(
        'redis-server',
        ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir],
        { stdio: 'ignore' },
      ),
    )
    this.child = child
    await waitFor(
      async () =>
        (await redisAnswers(this.url))
          ? true
          : child.exitCode !== null
            ? Promise.reject(new Error(`redis-server exited with ${child.exitCode}`))
            : undefined,
      `redis on ${this.port}`,
      10_000,
      50,
    )
  }

  /** Kills the server with `signal` and waits until it is gone. */
  async kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.child
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((r) => child.once('exit', r))
    child.kill(signal)
    await exited
    this.child = undefined
  }

  async stop(): Promise<void> {
    await this.kill('SIGKILL')
    if (this.dir) await rm(this.dir, { recursive: true, force: true })
  }
}

// ── The stream ─────────────────────────────────────────────────────────────

export interface Crafted {
  shipments: Array<Record<string, unknown>>
  events: Array<Record<string, unknown>>
}

/**
 * `parcels` parcels from HGH-O1 to SHA-O1, four scans each (collected, departed,
 * arrived at the Hangzhou sorting centre, arrived at the Shanghai transfer
 * centre), times stamped once here in the past and resent unchanged. Events come
 * stage by stage, so one parcel's scans spread over several batches.
 */
export function craftStream(parcels: number, over: Record<string, unknown> = {}): Crafted {
  const t0 = Date.now() - 5 * 3_600_000
  const tag = randomBytes(3).toString('hex')
  const shipments = Array.from({ length: parcels }, () =>
    shipment({ collectedAt: new Date(t0 - 600_000).toISOString(), ...over }),
  )
  const stages = [
    { type: 'collected', hub: 'HGH-O1', courier: 'C-HGH-O1-01' },
    { type: 'departed_hub', hub: 'HGH-O1' },
    { type: 'arrived_hub', hub: 'HGH-SC' },
    { type: 'arrived_hub', hub: 'SHA-TC' },
  ]
  const events = stages.flatMap((stage, k) =>
    shipments.map((s, i) => ({
      id: `${tag}-${s.waybill}-${k}`,
      time: new Date(t0 + k * 3_600_000 + i).toISOString(),
      waybill: s.waybill,
      ...stage,
    })),
  )
  return { shipments, events }
}

export interface HttpAnswer {
  status: number | null
  /** The parsed JSON, the text when it is not JSON, null when there was no answer. */
  body: unknown
  error?: string
}

export async function post(
  baseUrl: string,
  urlPath: string,
  token: string,
  body: unknown,
  timeoutMs = 30_000,
): Promise<HttpAnswer> {
  try {
    const res = await fetch(`${baseUrl}${urlPath}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    })
    const text = await res.text()
    let parsed: unknown = text
    try {
      parsed = text ? JSON.parse(text) : null
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed }
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause
    return { status: null, body: null, error: cause?.code ?? (err instanceof Error ? err.name : String(err)) }
  }
}

const retryable = (a: HttpAnswer) => a.status === null || a.status === 429 || a.status >= 500

/** Posts shipments in calls of 1,000; every one must be accepted. */
export async function postShipments(
  baseUrl: string,
  token: string,
  list: ReadonlyArray<Record<string, unknown>>,
): Promise<void> {
  for (let i = 0; i < list.length; i += 1000) {
    const a = await post(baseUrl, '/api/v1/shipments', token, list.slice(i, i + 1000), 120_000)
    if (a.status !== 200 || shipmentBatchResult.parse(a.body).accepted.length !== Math.min(1000, list.length - i))
      throw new Error(`shipments not accepted: ${a.status} ${JSON.stringify(a.body).slice(0, 500)}`)
  }
}

export interface BatchRecord {
  index: number
  ids: string[]
  attempts: number
  /** Every answer, in order: status or the network error. */
  answers: Array<number | string>
  /** When the 200 arrived (ms since epoch); undefined while not acknowledged. */
  ackedAt?: number
  accepted?: number
  rejected?: unknown[]
}

export interface StreamOptions {
  baseUrl: string
  token: string
  batchSize: number
  /** Clients posting in parallel, each taking the next batch. */
  clients: number
  /** Give up on a batch after this long without an acknowledgement (a hang guard). */
  giveUpMs?: number
  /** Called after each acknowledged batch, e.g. to inject a fault at some point of the stream. */
  onAck?: (acked: number, total: number) => void
}

/**
 * A stream of event batches from `clients` clients; each batch is resent
 * unchanged (same ids, same times) on a network error, 429 or 5xx, with a short
 * growing pause, until it is acknowledged (200) or refused for good (4xx).
 */
export async function streamEvents(
  events: ReadonlyArray<Record<string, unknown>>,
  o: StreamOptions,
): Promise<BatchRecord[]> {
  const batches: BatchRecord[] = []
  for (let i = 0; i < events.length; i += o.batchSize) {
    batches.push({
      index: batches.length,
      ids: events.slice(i, i + o.batchSize).map((e) => e.id as string),
      attempts: 0,
      answers: [],
    })
  }
  let next = 0
  let acked = 0
  const giveUpMs = o.giveUpMs ?? 120_000
  const client = async () => {
    while (next < batches.length) {
      const b = batches[next++]!
      const body = events.slice(b.index * o.batchSize, b.index * o.batchSize + b.ids.length)
      const started = Date.now()
      for (;;) {
        b.attempts++
        const a = await post(o.baseUrl, '/api/v1/events', o.token, body)
        b.answers.push(a.status ?? a.error ?? 'error')
        if (a.status === 200 || a.status === 422) {
          b.ackedAt = Date.now()
          const result = eventBatchResult.parse(a.body)
          b.accepted = result.accepted
          b.rejected = result.rejected
          acked++
          o.onAck?.(acked, batches.length)
          break
        }
        if (!retryable(a)) break
        if (Date.now() - started > giveUpMs) break
        await sleep(Math.min(100 * 2 ** Math.min(b.attempts - 1, 5), 2_000))
      }
    }
  }
  await Promise.all(Array.from({ length: o.clients }, client))
  return batches
}

/** How often each id is stored in scan_events (ids missing from the map: never). */
export async function storedCounts(db: pg.Pool | pg.Client, ids: readonly string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>()
  for (let i = 0; i < ids.length; i += 20_000) {
    const r = await db.query<{ event_id: string; n: number }>(
      'SELECT event_id, count(*)::int AS n FROM scan_events WHERE event_id = ANY($1::text[]) GROUP BY event_id',
      [ids.slice(i, i + 20_000)],
    )
    for (const row of r.rows) counts.set(row.event_id, row.n)
  }
  return counts
}

/** The reconciliation of a stream: what was acknowledged, stored once, stored twice, missing. */
export function reconcile(batches: readonly BatchRecord[], counts: ReadonlyMap<string, number>) {
  const all = batches.flatMap((b) => b.ids)
  const acked = batches.filter((b) => b.ackedAt !== undefined).flatMap((b) => b.ids)
  return {
    events: all.length,
    acknowledged: acked.length,
    ackedStoredOnce: acked.filter((id) => counts.get(id) === 1).length,
    ackedMissing: acked.filter((id) => !counts.has(id)),
    storedOnce: all.filter((id) => counts.get(id) === 1).length,
    duplicated: all.filter((id) => (counts.get(id) ?? 0) > 1),
    missing: all.filter((id) => !counts.has(id)),
    partialAnswers: batches
      .filter((b) => b.ackedAt !== undefined && (b.accepted !== b.ids.length || (b.rejected?.length ?? 0) > 0))
      .map((b) => ({ index: b.index, accepted: b.accepted, rejected: b.rejected })),
    retriedBatches: batches.filter((b) => b.attempts > 1).length,
    answers: tally(batches.flatMap((b) => b.answers)),
  }
}

function tally(xs: ReadonlyArray<number | string>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const x of xs) out[String(x)] = (out[String(x)] ?? 0) + 1
  return out
}
