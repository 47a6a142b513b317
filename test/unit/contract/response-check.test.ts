import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { responseCheck } from '../../../server/http/route-kit.ts'
import { createLogger } from '../../../server/lib/logger.ts'
import { ROUTES } from '../../../server/http/routes.ts'
import { NOT_JSON, RESPONSES } from '../../../contract/routes.ts'

/** A stand-in for GET /api/v1/kpis that answers whatever the test puts in `answer`. */
let answer: { status: number; body: unknown } = { status: 200, body: {} }
let server: Server
let url = ''
beforeAll(async () => {
  const app = express()
  const log = createLogger('silent')
  app.get('/api/v1/kpis', responseCheck({ method: 'get', path: '/api/v1/kpis' }, 'throw', log), (_req, res) => {
    res.status(answer.status).json(answer.body)
  })
  app.get('/api/v1/logged', responseCheck({ method: 'get', path: '/api/v1/kpis' }, 'log', log), (_req, res) => {
    res.json(answer.body)
  })
  server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise((resolve) => server.close(resolve)))

const kpis = {
  at: new Date('2026-11-20T02:00:00Z'),
  inFlight: 3,
  collectedToday: 4,
  deliveredToday: 1,
  exceptionsToday: 0,
  eventsPerMinute: 2,
  perMinute: [{ t: new Date('2026-11-20T01:59:00Z'), total: 2, delivered: 1, exceptions: 0 }],
}

async function get(path = '/api/v1/kpis') {
  const res = await fetch(`${url}${path}`)
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } }
}

describe('the server checks its own answers against the wire contract', () => {
  it('lets an answer that fits through unchanged, Dates checked as the ISO strings JSON carries', async () => {
    answer = { status: 200, body: kpis }
    expect(await get()).toEqual({ status: 200, body: JSON.parse(JSON.stringify(kpis)) })
  })

  it('answers 500 contract_violation, naming the field, for an answer outside the contract', async () => {
    answer = { status: 200, body: { ...kpis, inFlight: -1 } }
    const r = await get()
    expect(r.status).toBe(500)
    expect(r.body.error?.code).toBe('contract_violation')
    expect(r.body.error?.message).toMatch(/GET \/api\/v1\/kpis .*inFlight/)
  })

  it('checks error answers against the one error shape', async () => {
    answer = { status: 404, body: { error: { code: 'not_found', message: 'No such thing' } } }
    expect((await get()).status).toBe(404)
    answer = { status: 404, body: { error: { code: 'not_found' } } }
    expect((await get()).body.error?.code).toBe('contract_violation')
  })

  it("only logs in 'log' mode: the answer goes out as it was", async () => {
    answer = { status: 200, body: { ...kpis, inFlight: 'many' } }
    expect(await get('/api/v1/logged')).toEqual({ status: 200, body: JSON.parse(JSON.stringify(answer.body)) })
  })
})

describe('the route table and the contract', () => {
  it('names only routes that exist, with the method and path the route table declares', () => {
    const routes = new Set(ROUTES.map((r) => `${r.method.toUpperCase()} ${r.path}`))
    expect(Object.keys(RESPONSES).filter((k) => !routes.has(k))).toEqual([])
    expect(NOT_JSON.filter((k) => !routes.has(k))).toEqual([])
  })

  it('gives every route a schema of its answer, or says it answers no JSON', () => {
    const known = new Set<string>([...Object.keys(RESPONSES), ...NOT_JSON])
    expect(ROUTES.map((r) => `${r.method.toUpperCase()} ${r.path}`).filter((k) => !known.has(k))).toEqual([])
  })
})
