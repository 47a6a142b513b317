import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { ADMIN_PASSWORD, call, startTestSystem, type TestSystem } from '../helpers/system.ts'
import { api } from '../helpers/api.ts'
import { ARTIFACTS } from '../helpers/browser.ts'
import { sharedBrowser } from '../helpers/shared-system.ts'
import { event, minutesAgo, shipment } from '../helpers/builders.ts'

let sys: TestSystem
let browser: Browser

beforeAll(async () => {
  if (!existsSync('dist/web/index.html')) throw new Error('Build the dashboard first: npm run build:web')
  ;[sys, browser] = await Promise.all([startTestSystem(), sharedBrowser()])
})
afterAll(async () => {
  await browser?.close()
  await sys?.stop()
})

const digits = (s: string | null) => Number((s ?? '').replace(/\D/g, ''))

describe('dashboard in Chromium', () => {
  it('signs in and sees the KPI tiles change after events are posted', async () => {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } })
    await page.goto(`${sys.url}/`)
    await page.waitForURL(/\/login/)
    await page.fill('input[name=username]', 'admin')
    await page.fill('input[name=password]', 'wrong-password')
    await page.click('button[type=submit]')
    await expect.poll(() => page.textContent('[data-testid=login-error]')).toMatch(/用户名或密码错误/)

    await page.fill('input[name=password]', ADMIN_PASSWORD)
    await page.press('input[name=password]', 'Enter')
    await page.waitForSelector('[data-testid=kpi-collectedToday] .kpi-value')
    await expect.poll(() => page.textContent('[data-testid=conn-state]')).toMatch(/在线|Live/)
    const before = digits(await page.textContent('[data-testid=kpi-collectedToday] .kpi-value'))
    const inFlightBefore = digits(await page.textContent('[data-testid=kpi-inFlight] .kpi-value'))

    const parcels = [shipment(), shipment(), shipment()]
    await call(sys, 'POST', '/api/v1/shipments', { token: sys.token, body: parcels })
    const r = await api(sys, { token: sys.token }).post('/api/v1/events', {
      body: parcels.map((p) =>
        event(p.waybill, { type: 'collected', hub: 'HGH-O1', courier: 'C-HGH-O1-01', time: minutesAgo(1) }),
      ),
    })
    expect(r.accepted).toBe(3)

    await expect
      .poll(async () => digits(await page.textContent('[data-testid=kpi-collectedToday] .kpi-value')), {
        timeout: 15_000,
      })
      .toBe(before + 3)
    expect(digits(await page.textContent('[data-testid=kpi-inFlight] .kpi-value'))).toBe(inFlightBefore + 3)
    expect(await page.isVisible('[data-testid=chart-events] canvas')).toBe(true)
    await page.screenshot({ path: `${ARTIFACTS}/live-1920x1080.png` })

    await page.click('[data-testid=logout]')
    await page.waitForURL(/\/login/)
    expect(await page.evaluate(async () => (await fetch('/api/v1/auth/me')).status)).toBe(401)
    await page.close()
  })
})
