import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import {
  freePort,
  PROCESS_ADMIN_PASSWORD,
  productEnv,
  startServer,
  stopAll,
  type ProductProcess,
} from '../helpers/processes.ts'
import { onlyOn } from '../helpers/test-db.ts'
import { craftStream, postShipments, reconcile, storedCounts, streamEvents, waitFor } from '../helpers/fault-kit.ts'

/**
 * Fault injection: the server process is killed with SIGKILL twice in the middle
 * of an event stream and started again on the same port and data directory:
 *
 *  1. at a third of the stream, `kill -9` of the server alone: its embedded
 *     TimescaleDB child loses its parent and must close the data directory and
 *     exit by itself (we wait for that before the restart);
 *  2. at two thirds, `kill -9` of the server and its database child together,
 *     as when a container is killed: whatever was committed must survive.
 *
 * Two clients keep posting; a refused connection, a reset or a 5xx makes them
 * resend the same batch (same ids, same times). The reconciliation counts every
 * event in scan_events by id: every acknowledged event exactly once, every event
 * stored (the clients retried).
 *
 * Real processes: `server/main.ts` by tsx (test/helpers/processes.ts), the
 * shared Redis with a queue prefix of its own. Size: the issue asks for 100,000
 * events; CI runs FAULT_EVENTS=20,000 by default (two restarts of a real
 * process cost more than the stream itself); FAULT_EVENTS=100000 for the full size.
 */
const EVENTS = Math.max(400, Math.floor(Number(process.env.FAULT_EVENTS ?? 20_000) / 4) * 4)
const BATCH = 500

afterAll(stopAll)

/** The pid of the embedded database a server started, from its log line. */
async function databasePid(p: ProductProcess): Promise<number> {
  const line = await p.waitForLog('embedded TimescaleDB ready')
  return Number((JSON.parse(line) as { pid: number }).pid)
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function issueToken(url: string): Promise<string> {
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: PROCESS_ADMIN_PASSWORD }),
  })
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!
  const r = await fetch(`${url}/api/v1/admin/api-tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ name: 'fault stream' }),
  })
  expect(r.status).toBe(201)
  return ((await r.json()) as { token: string }).token
}

describe.skipIf(onlyOn('embedded', "kills the embedded database's process with its server"))(
  'the server process killed in the middle of a stream',
  () => {
    it('ends with every event stored exactly once when clients resend with the same ids (kill -9 of the server, then of server and database)', async () => {
      const env = productEnv({ LOG_LEVEL: 'info', EMBEDDED_PG_PORT: String(await freePort()) })
      let server = await startServer({ name: 'api', env })
      const token = await issueToken(server.url)
      const { shipments, events } = craftStream(EVENTS / 4)
      await postShipments(server.url, token, shipments)

      const kills: Array<{ at: number; what: string; dbGone?: boolean }> = []
      let fault: Promise<void> = Promise.resolve()
      const killAndRestart = (what: 'server' | 'server+database') => {
        fault = fault.then(async () => {
          const dbPid = await databasePid(server)
          kills.push({ at: Date.now(), what })
          if (what === 'server+database') process.kill(dbPid, 'SIGKILL')
          await server.kill('SIGKILL')
          // Kill 1: the orphaned database child must close the data directory and go by itself (kill 2 killed it).
          // Either way it is gone before the restart: never two databases on one directory.
          const gone = await waitFor(
            () => (alive(dbPid) ? undefined : true),
            `embedded database ${dbPid} to exit`,
            30_000,
            50,
          ).catch(() => false)
          kills.at(-1)!.dbGone = gone
          if (!gone) process.kill(dbPid, 'SIGKILL')
          server = await server.restart()
        })
      }
      const batches = await streamEvents(events, {
        baseUrl: server.url,
        token,
        batchSize: BATCH,
        clients: 2,
        giveUpMs: 180_000,
        onAck(acked, total) {
          if (kills.length === 0 && acked === Math.floor(total / 3)) killAndRestart('server')
          if (kills.length === 1 && acked === Math.floor((2 * total) / 3)) killAndRestart('server+database')
        },
      })
      await fault
      expect(kills.map((k) => [k.what, k.dbGone])).toEqual([
        ['server', true],
        ['server+database', true],
      ])

      const client = new pg.Client({ connectionString: server.databaseUrl })
      await client.connect()
      try {
        const r = reconcile(
          batches,
          await storedCounts(
            client,
            events.map((e) => e.id as string),
          ),
        )
        process.stdout.write(
          `server-kill reconciliation: ${JSON.stringify({ events: r.events, acknowledged: r.acknowledged, storedOnce: r.storedOnce, retriedBatches: r.retriedBatches, answers: r.answers })}\n`,
        )
        expect(r.retriedBatches, 'batches were cut off by the kills and resent').toBeGreaterThan(0)
        expect(r.partialAnswers).toEqual([])
        expect(r.ackedMissing).toEqual([])
        expect(r.duplicated).toEqual([])
        expect(r.missing).toEqual([])
        expect(r.acknowledged).toBe(EVENTS)
        expect(r.ackedStoredOnce).toBe(EVENTS)
        expect(r.storedOnce).toBe(EVENTS)
        const total = await client.query<{ n: string }>(
          'SELECT count(*) AS n FROM scan_events WHERE event_id = ANY($1::text[])',
          [events.map((e) => e.id)],
        )
        expect(Number(total.rows[0]!.n)).toBe(EVENTS)
        // The parcels' folded states survived too: every parcel's last scan is its fourth, at the Shanghai transfer centre.
        const states = await client.query<{ n: string }>(
          `SELECT count(*) AS n FROM shipments WHERE waybill = ANY($1::text[]) AND status = 'in_transit' AND last_scan_hub = 'SHA-TC'`,
          [shipments.map((x) => x.waybill)],
        )
        expect(Number(states.rows[0]!.n)).toBe(shipments.length)
      } finally {
        await client.end()
      }
    }, 300_000)
  },
)
