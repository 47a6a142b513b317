import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { ADMIN_PASSWORD, call, login, startTestSystem, type TestSystem } from '../helpers/system.ts'
import { api } from '../helpers/api.ts'
import { event, minutesAgo, shipment } from '../helpers/builders.ts'

let sys: TestSystem
beforeAll(async () => {
  sys = await startTestSystem({ METRICS_TOKEN: 'a-metrics-token-for-tests' })
})
afterAll(async () => {
  await sys?.stop()
})

async function scrape(token = 'a-metrics-token-for-tests'): Promise<{ status: number; text: string }> {
  const res = await fetch(`${sys.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} })
  return { status: res.status, text: await res.text() }
}

/** The value of one sample line, e.g. value(text, 'pw_ingest_events_total{outcome="accepted"}'). */
function value(text: string, sample: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `))
  return line === undefined ? Number.NaN : Number(line.slice(sample.length + 1))
}

describe('Prometheus metrics', () => {
  it('refuses a scrape without the configured token', async () => {
    expect((await scrape('')).status).toBe(403)
    expect((await scrape('wrong-token-wrong-token')).status).toBe(403)
  })

  it('counts accepted and rejected events, websocket clients, queues and open alerts', async () => {
    const before = (await scrape()).text
    const s = shipment()
    await call(sys, 'POST', '/api/v1/shipments', { token: sys.token, body: s })
    const r = await api(sys, { token: sys.token }).post('/api/v1/events', {
      body: [
        event(s.waybill, { type: 'collected', hub: 'HGH-O1', courier: 'C-HGH-O1-01', time: minutesAgo(5) }),
        event(s.waybill, { type: 'arrived_hub', hub: 'NOWHERE', time: minutesAgo(4) }),
        { id: 'broken' },
      ],
    })
    expect(r).toMatchObject({ accepted: 1 })
    expect(r.rejected).toHaveLength(2)

    const cookie = await login(sys, 'admin', ADMIN_PASSWORD)
    const ws = new WebSocket(`${sys.url.replace('http', 'ws')}/ws`, { headers: { cookie } })
    await new Promise((resolve) => ws.on('open', resolve))
    // An incident (raised by a person): no sweep reconciles it away, as the minute rules would a made-up hub_silent.
    await sys.database.pool.query(
      `INSERT INTO alerts (rule, subject, hub_code, severity, title, opened_at, last_seen_at) VALUES ('incident', 'metrics-test', 'HGH-SC', 'warning', 'test', now(), now())`,
    )

    const after = await scrape()
    expect(after.status).toBe(200)
    const delta = (sample: string) =>
      value(after.text, sample) - (Number.isNaN(value(before, sample)) ? 0 : value(before, sample))
    expect(delta('pw_ingest_events_total{outcome="accepted"}')).toBe(1)
    expect(delta('pw_ingest_events_total{outcome="rejected"}')).toBe(2)
    expect(value(after.text, 'pw_ws_clients')).toBe(1)
    // The sweeps open alerts of their own meanwhile: the gauge must agree with the table.
    const openWarnings = async () =>
      (
        await sys.database.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM alerts WHERE state <> 'resolved' AND severity = 'warning'`,
        )
      ).rows[0]!.n
    await expect
      .poll(async () => {
        const [n, text] = [await openWarnings(), (await scrape()).text]
        return value(text, 'pw_open_alerts{severity="warning"}') === n && n >= 1
      })
      .toBe(true)
    expect(after.text).toMatch(/^pw_queue_jobs\{queue="ingest",state="waiting"\} \d+$/m)
    expect(after.text).toMatch(/^pw_queue_lag_seconds\{queue="maintenance"\} [\d.e+-]+$/m)
    expect(after.text).toMatch(
      /^pw_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/events",status="2xx"\} \d+$/m,
    )
    expect(after.text).toContain('pw_process_resident_memory_bytes')
    ws.close()
  })

  it('names only counters …_total, and every counter so (promtool lint)', async () => {
    const { text } = await scrape()
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => ({ name: m[1]!, type: m[2]! }))
    expect(types.length).toBeGreaterThan(20)
    expect(types.filter((t) => t.type !== 'counter' && t.name.endsWith('_total'))).toEqual([])
    expect(types.filter((t) => t.type === 'counter' && !t.name.endsWith('_total'))).toEqual([])
    expect(value(text, 'pw_nodejs_active_handles_all')).toBeGreaterThan(0)
  })
})
