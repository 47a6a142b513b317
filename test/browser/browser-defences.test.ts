import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { ADMIN_PASSWORD, call, login, type TestSystem } from '../helpers/system.ts'
import { sharedBrowser, sharedTestSystem } from '../helpers/shared-system.ts'
import { shipment } from '../helpers/builders.ts'
import { apiErrorBody } from '../../contract/common.ts'

/**
 * Issue 16 items 6 and 9 of the probe: from a page on another port of the same host
 * (same-site, so SameSite=Lax cookies go along), Chromium logged the admin out and
 * framed the signed-in dashboard; there was no CSP, nosniff, Referrer-Policy or
 * no-store. Headers are checked on the wire; the CSP against the built app in
 * Chromium (every page, no violation); the attacks from a real foreign page.
 */

let sys: TestSystem
let browser: Browser
let attacker: Server
let attackerUrl: string
const attackerPage = ''

beforeAll(async () => {
  if (!existsSync('dist/web/index.html')) throw new Error('Build the dashboard first: npm run build:web')
  ;[sys, browser] = await Promise.all([sharedTestSystem({ RUN_WORKERS: 'false' }), sharedBrowser()])
  attacker = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(attackerPage))
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve))
  attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`
})
afterAll(async () => {
  attacker?.close()
  await browser?.close()
  await sys?.stop()
})

const post = (path: string, headers: Record<string, string>, body?: string) =>
  fetch(`${sys.url}${path}`, { method: 'POST', headers, body })

describe('security headers', () => {
  it("sends a CSP with frame-ancestors 'none', X-Frame-Options DENY, nosniff and no-referrer on the app and the API", async () => {
    for (const path of ['/', '/live', '/api/v1/kpis', '/healthz']) {
      const r = await fetch(`${sys.url}${path}`, { headers: { cookie: await login(sys, 'admin', ADMIN_PASSWORD) } })
      const csp = r.headers.get('content-security-policy') ?? ''
      expect(csp, path).toContain("frame-ancestors 'none'")
      expect(csp, path).toContain("script-src 'self'")
      expect(csp, path).toContain("object-src 'none'")
      expect(csp, path).not.toContain('unsafe-eval')
      expect(r.headers.get('x-frame-options'), path).toBe('DENY')
      expect(r.headers.get('x-content-type-options'), path).toBe('nosniff')
      expect(r.headers.get('referrer-policy'), path).toBe('no-referrer')
    }
  })

  it('answers with personal data (and every other API answer) with Cache-Control: no-store', async () => {
    const admin = await login(sys, 'admin', ADMIN_PASSWORD)
    const parcel = shipment()
    await call(sys, 'POST', '/api/v1/shipments', { token: sys.token, body: [parcel] })
    for (const path of [
      `/api/v1/shipments/${parcel.waybill}`,
      `/api/v1/track?q=${parcel.waybill}`,
      '/api/v1/complaints',
      '/api/v1/auth/me',
    ]) {
      const r = await fetch(`${sys.url}${path}`, { headers: { cookie: admin } })
      expect(r.status, path).toBe(200)
      expect(r.headers.get('cache-control'), path).toBe('no-store')
    }
    expect(
      await fetch(`${sys.url}/api/v1/shipments/${parcel.waybill}`, { headers: { cookie: admin } }).then((r) =>
        r.text(),
      ),
    ).toContain(parcel.recipient.phone)
  })
})

describe('same-origin writes', () => {
  it('refuses a state-changing request with the session cookie from a foreign Origin or a cross-site fetch, and the session lives on', async () => {
    const admin = await login(sys, 'admin', ADMIN_PASSWORD)
    for (const origin of [attackerUrl, 'http://evil.example', 'null']) {
      const r = await post('/api/v1/auth/logout', { cookie: admin, origin })
      expect(r.status, origin).toBe(403)
      expect(apiErrorBody.parse(await r.json()).error.code).toBe('cross_origin')
    }
    for (const site of ['same-site', 'cross-site']) {
      const r = await post('/api/v1/auth/logout', { cookie: admin, 'sec-fetch-site': site })
      expect(r.status, site).toBe(403)
    }
    const created = await post(
      '/api/v1/silences',
      { cookie: admin, origin: attackerUrl, 'content-type': 'application/json' },
      JSON.stringify({ rule: 'parcel_late', endsAt: new Date(Date.now() + 3_600_000).toISOString(), comment: 'csrf' }),
    )
    expect(created.status).toBe(403)
    expect(
      (await sys.database.pool.query(`SELECT count(*)::int AS n FROM silences WHERE comment = 'csrf'`)).rows[0].n,
    ).toBe(0)
    expect((await fetch(`${sys.url}/api/v1/auth/me`, { headers: { cookie: admin } })).status).toBe(200)
    // Our own origin (as the browser sends it) and callers that are not browsers go on working.
    expect(
      (await post('/api/v1/auth/logout', { cookie: admin, origin: sys.url, 'sec-fetch-site': 'same-origin' })).status,
    ).toBe(204)
    expect((await fetch(`${sys.url}/api/v1/auth/me`, { headers: { cookie: admin } })).status).toBe(401)
  })

  it('refuses body-less and other posts sent as text/plain, a form or multipart (what a cross-site form can send), even without an Origin', async () => {
    const admin = await login(sys, 'admin', ADMIN_PASSWORD)
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'text/plain;charset=UTF-8',
    ]) {
      const r = await post(
        '/api/v1/auth/logout',
        { cookie: admin, 'content-type': type },
        type.startsWith('multipart') ? '--x--' : 'a=b',
      )
      expect(r.status, type).toBe(415)
      expect(apiErrorBody.parse(await r.json()).error.code).toBe('unsupported_media_type')
    }
    expect((await fetch(`${sys.url}/api/v1/auth/me`, { headers: { cookie: admin } })).status).toBe(200)
    // Bearer-token calls (integrators) are not a browser's: not subject to either check.
    expect(
      (
        await post(
          '/api/v1/events',
          { authorization: `Bearer ${sys.token}`, origin: 'http://evil.example', 'content-type': 'application/json' },
          '[]',
        )
      ).status,
    ).toBeLessThan(500)
  })
})

describe('in Chromium', () => {
  it('loads every page of the built app as admin with no Content-Security-Policy violation, charts drawn', async () => {
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, bypassCSP: false })
    await context.addInitScript({
      content: `document.addEventListener('securitypolicyviolation', (e) => {
      (window.__cspViolations ??= []).push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber)
    })`,
    })
    const page = await context.newPage()
    const consoleCsp: string[] = []
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) consoleCsp.push(m.text())
    })
    await page.goto(`${sys.url}/login`)
    await page.fill('input[name=username]', 'admin')
    await page.fill('input[name=password]', ADMIN_PASSWORD)
    await page.press('input[name=password]', 'Enter')
    await page.waitForURL((u) => u.pathname === '/live')
    const violations: string[] = []
    for (const path of [
      '/live',
      '/alerts',
      '/track',
      '/complaints',
      '/claims',
      '/finance',
      '/handover',
      '/sla',
      '/wall',
    ]) {
      await page.goto(`${sys.url}${path}`)
      await page.waitForLoadState('networkidle')
      if (path === '/live') await page.waitForSelector('[data-testid=chart-events] canvas')
      violations.push(
        ...((await page.evaluate('window.__cspViolations ?? []')) as string[]).map((v) => `${path}: ${v}`),
      )
    }
    expect(violations).toEqual([])
    expect(consoleCsp).toEqual([])
    await context.close()
  })
})
