import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { ADMIN_PASSWORD, call, login, type TestSystem } from '../helpers/system.ts'
import { sharedTestSystem } from '../helpers/shared-system.ts'
import { event, minutesAgo, shipment } from '../helpers/builders.ts'
import { api } from '../helpers/api.ts'
import { controlFrame, frameOf } from '../helpers/security-kit.ts'
import { serverFrame, type ServerFrame } from '../../contract/live.ts'

let sys: TestSystem
let cookie: string
beforeAll(async () => {
  sys = await sharedTestSystem()
  cookie = await login(sys, 'admin', ADMIN_PASSWORD)
})
afterAll(async () => {
  await sys?.stop()
})

const wsUrl = () => sys.url.replace('http', 'ws') + '/ws'

/** Resolves with the HTTP status of a refused upgrade, or 101 when it opens. */
function upgradeStatus(headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(wsUrl(), { headers })
    ws.on('open', () => {
      ws.close()
      resolve(101)
    })
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    ws.on('error', () => undefined)
  })
}

/** The frames received, each parsed by the wire contract (contract/live.ts): one outside it throws, as non-JSON does. */
function collect(ws: WebSocket): ServerFrame[] {
  const messages: ServerFrame[] = []
  ws.on('message', (d) => messages.push(serverFrame.parse(JSON.parse(d.toString()))))
  return messages
}

async function waitFor<T>(f: () => T | undefined, what: string, ms = 15_000): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const v = f()
    if (v !== undefined) return v
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('live channel', () => {
  it('refuses an upgrade without a session', async () => {
    expect(await upgradeStatus({})).toBe(401)
  })

  it('refuses an upgrade from a foreign Origin even with a valid session', async () => {
    expect(await upgradeStatus({ cookie, origin: 'https://evil.example' })).toBe(403)
    expect(await upgradeStatus({ cookie, origin: sys.url })).toBe(101)
  })

  it('refuses an API token: the live channel is for people', async () => {
    expect(await upgradeStatus({ authorization: `Bearer ${sys.token}` })).toBe(403)
  })

  it('pushes a KPI snapshot after an ingest, with the new counts', async () => {
    const ws = new WebSocket(wsUrl(), { headers: { cookie, origin: sys.url } })
    const messages = collect(ws)
    await waitFor(() => messages.find((m) => m.type === 'kpi'), 'first snapshot')
    expect(messages[0]).toMatchObject({ type: 'hello', user: { username: 'admin', role: 'admin' } })
    // The snapshot sent on connect is the last one published, which may predate
    // an earlier file's ingest on this shared system (and parcels collected before
    // Beijing midnight count in flight but not today). The baseline is read fresh.
    const first = { data: await api(sys, { cookie }).get('/api/v1/kpis') }

    const s = shipment()
    await call(sys, 'POST', '/api/v1/shipments', { token: sys.token, body: s })
    const r = await api(sys, { token: sys.token }).post('/api/v1/events', {
      body: [
        event(s.waybill, { type: 'collected', hub: 'HGH-O1', courier: 'C-HGH-O1-01', time: minutesAgo(3) }),
        event(s.waybill, { type: 'departed_hub', hub: 'HGH-O1', time: minutesAgo(2) }),
      ],
    })
    expect(r.accepted).toBe(2)
    const pushed = await waitFor(
      () => frameOf(messages, 'kpi', (m) => m.data.collectedToday === first.data.collectedToday + 1),
      'a KPI push counting the new parcel',
    )
    expect(pushed.data.inFlight).toBe(first.data.inFlight + 1)
    expect(pushed.seq).toBeGreaterThan(0)
    ws.close()
  })

  it('closes the socket of a session that logs out', async () => {
    const own = await login(sys, 'admin', ADMIN_PASSWORD)
    const ws = new WebSocket(wsUrl(), { headers: { cookie: own } })
    await new Promise((r) => ws.on('open', r))
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)))
    await call(sys, 'POST', '/api/v1/auth/logout', { cookie: own })
    expect(await closed).toBe(4401)
  })

  it('answers a malformed client message with an error instead of dropping the connection', async () => {
    const ws = new WebSocket(wsUrl(), { headers: { cookie } })
    const messages = collect(ws)
    await new Promise((r) => ws.on('open', r))
    ws.send('{"type":"subscribe","channels":["everything"]}')
    const err = await waitFor(() => controlFrame(messages, 'error'), 'an error message')
    expect(err.code).toBe('bad_message')
    expect(ws.readyState).toBe(WebSocket.OPEN)
    ws.close()
  })
})
