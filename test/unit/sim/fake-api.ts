/**
 * A tiny stand-in for the ingest API (node:http on port 0) that records every
 * request, for checking what the simulator sends. Not a test file itself.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { DEMO_COURIERS, DEMO_HUBS } from '../../../server/data/network.ts'

export interface RecordedRequest {
  seq: number
  method: string
  path: string
  authorization: string | undefined
  /** Server clock when the request body had been read. */
  receivedAt: number
  body: unknown
  status: number
}

export interface FakeApiOptions {
  token: string
  /** Answer the first N POST /api/v1/events with 503. */
  failFirstEventPosts?: number
}

export interface FakeApi {
  baseUrl: string
  requests: RecordedRequest[]
  /** Waybill → seq of the shipments request that registered it. */
  registered: Map<string, number>
  close(): Promise<void>
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  const text = Buffer.concat(chunks).toString('utf8')
  return text ? JSON.parse(text) : undefined
}

export async function startFakeApi(opts: FakeApiOptions): Promise<FakeApi> {
  const requests: RecordedRequest[] = []
  const registered = new Map<string, number>()
  let eventPosts = 0
  let seq = 0

  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req)
      const record: RecordedRequest = {
        seq: ++seq,
        method: req.method ?? '',
        path: req.url ?? '',
        authorization: req.headers.authorization,
        receivedAt: Date.now(),
        body,
        status: 200,
      }
      requests.push(record)
      const send = (status: number, payload: unknown) => {
        record.status = status
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(JSON.stringify(payload))
      }
      if (req.headers.authorization !== `Bearer ${opts.token}`) return send(401, { error: 'unauthorized' })
      if (req.method === 'GET' && req.url === '/api/v1/hubs') return send(200, { hubs: DEMO_HUBS })
      if (req.method === 'GET' && req.url === '/api/v1/couriers') return send(200, { couriers: DEMO_COURIERS })
      if (req.method === 'POST' && req.url === '/api/v1/shipments') {
        const list = (body as { shipments: Array<{ waybill: string }> }).shipments
        for (const s of list) if (!registered.has(s.waybill)) registered.set(s.waybill, record.seq)
        return send(200, {
          accepted: list.map((s, index) => ({ index, waybill: s.waybill, fee: { totalFen: 1200 } })),
          rejected: [],
        })
      }
      if (req.method === 'POST' && req.url === '/api/v1/events') {
        eventPosts++
        if (eventPosts <= (opts.failFirstEventPosts ?? 0)) return send(503, { error: 'busy' })
        const list = (body as { events: Array<{ id: string; waybill: string }> }).events
        const rejected = list.flatMap((e, index) =>
          registered.has(e.waybill) ? [] : [{ index, id: e.id, code: 'unknown_waybill', message: 'no such shipment' }],
        )
        return send(200, { received: list.length, accepted: list.length - rejected.length, rejected })
      }
      return send(404, { error: 'not found' })
    })().catch((err: unknown) => {
      res.writeHead(500)
      res.end(String(err))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    registered,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
