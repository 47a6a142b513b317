import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { ADMIN_PASSWORD, login, startTestSystem, type TestSystem } from '../helpers/system.ts'

// Issue 16, item 8: one session held 1,000 sockets fed about 12 MB/s. The cap is 10 (WS_MAX_PER_SESSION).
let sys: TestSystem
beforeAll(async () => {
  sys = await startTestSystem()
})
afterAll(async () => {
  await sys?.stop()
})

interface Conn {
  ws: WebSocket
  outcome: Promise<'hello' | number>
  closed: Promise<{ code: number; reason: string }>
}

function open(cookie: string): Conn {
  const ws = new WebSocket(`${sys.url.replace('http', 'ws')}/ws?channels=kpi`, { headers: { cookie, origin: sys.url } })
  ws.on('error', () => undefined)
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  )
  const outcome = new Promise<'hello' | number>((resolve) => {
    ws.on('message', (d) => {
      if (JSON.parse(d.toString()).type === 'hello') resolve('hello')
    })
    void closed.then((c) => resolve(c.code))
  })
  return { ws, outcome, closed }
}

describe('websockets per session', () => {
  it('admits 10 sockets of one session, even in a burst, and closes the 11th and later with 4429', async () => {
    const admin = await login(sys, 'admin', ADMIN_PASSWORD)
    const burst = Array.from({ length: 14 }, () => open(admin))
    const outcomes = await Promise.all(burst.map((c) => c.outcome))
    expect(outcomes.filter((o) => o === 'hello')).toHaveLength(10)
    expect(outcomes.filter((o) => o === 4429)).toHaveLength(4)
    const refused = burst[outcomes.indexOf(4429)]!
    expect((await refused.closed).reason).toMatch(/too many live connections for this session \(at most 10\)/)
    expect(sys.hub.size).toBe(10)

    // Another session of the same person is counted on its own.
    const other = open(await login(sys, 'admin', ADMIN_PASSWORD))
    expect(await other.outcome).toBe('hello')

    // Closing one frees its place; the session is full again afterwards.
    const kept = burst.filter((_, i) => outcomes[i] === 'hello')
    kept[0]!.ws.close()
    await kept[0]!.closed
    await expect.poll(() => sys.hub.size).toBe(10)
    expect(await open(admin).outcome).toBe('hello')
    expect(await open(admin).outcome).toBe(4429)

    for (const c of [...kept, other]) c.ws.close()
    await expect.poll(() => sys.hub.size).toBe(1)
  })
})
