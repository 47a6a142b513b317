import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { addUser, call, login, startTestSystem, USER_PASSWORD, type TestSystem } from '../helpers/system.ts'
import { api } from '../helpers/api.ts'
import { ARTIFACTS } from '../helpers/browser.ts'
import { sharedBrowser } from '../helpers/shared-system.ts'
import { event, minutesAgo, shipment } from '../helpers/builders.ts'
import { runSweep } from '../../server/services/sla-sweep.ts'

/**
 * The alerts console's maintenance windows in Chromium: a manager adds a window
 * (hub, rule, weekdays, from–to Beijing time, comment), sees it listed, is told in
 * their language what is wrong with a bad one, and removes it; on-call staff see the
 * list without the form. Screenshots at 1440 and 390 px, in Chinese and English.
 */
let sys: TestSystem
let browser: Browser

beforeAll(async () => {
  if (!existsSync('dist/web/index.html')) throw new Error('Build the dashboard first: npm run build:web')
  ;[sys, browser] = await Promise.all([startTestSystem({ RUN_WORKERS: 'false' }), sharedBrowser()])
  await addUser(sys, 'boss', 'manager')
  await addUser(sys, 'duty', 'on_call')
  const list = Array.from({ length: 3 }, () => shipment({ collectedAt: '2026-11-02T10:00:00+08:00' }))
  await call(sys, 'POST', '/api/v1/shipments', { token: sys.token, body: list })
  await call(sys, 'POST', '/api/v1/events', {
    token: sys.token,
    body: list.map((s) => event(s.waybill, { type: 'arrived_hub', hub: 'SHA-TC', time: minutesAgo(60) })),
  })
  await runSweep(sys.database.pool, sys.config.sla, new Map([['SHA-TC', '上海转运中心']]), new Date())
})
afterAll(async () => {
  await browser?.close()
  await sys?.stop()
})

async function signIn(page: Page, username: string, path = '/alerts'): Promise<void> {
  await page.goto(`${sys.url}${path}`)
  await page.waitForSelector('input[name=username]')
  await page.fill('input[name=username]', username)
  await page.fill('input[name=password]', USER_PASSWORD)
  await page.click('button[type=submit]')
  await page.waitForURL((url) => url.pathname === '/alerts')
  await page.waitForSelector('[data-testid=maintenance-windows]')
}

/** HH:MM in Beijing time, `minutes` from now. */
const shanghai = (minutes: number) => new Date(Date.now() + (minutes + 8 * 60) * 60_000).toISOString().slice(11, 16)
const rows = (page: Page) => page.locator('[data-testid=mw-row]')

describe('maintenance windows on the alerts console', () => {
  it('adds a window, lists it, explains a bad one, and removes it', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } })
    const page = await ctx.newPage()
    await signIn(page, 'boss')
    await page.click('[data-testid=maintenance-windows] summary')
    await expect.poll(() => page.locator('[data-testid=mw-empty]').isVisible()).toBe(true)
    await expect.poll(() => page.locator('[data-testid=mw-hub] option').count()).toBeGreaterThan(5)

    // A bad one: the same start and end; the server's 400 in Chinese, the field marked.
    await page.selectOption('[data-testid=mw-hub]', 'CAN-TC')
    await page.fill('[data-testid=mw-start]', '02:00')
    await page.fill('[data-testid=mw-end]', '02:00')
    await page.fill('[data-testid=mw-comment]', '分拣线夜间检修')
    await page.click('[data-testid=mw-add]')
    await expect.poll(() => page.textContent('[data-testid=mw-error]')).toContain('结束时刻不能与开始时刻相同')
    expect(await rows(page).count()).toBe(0)

    await page.selectOption('[data-testid=mw-rule]', 'parcel_late')
    await page.check('[data-testid=mw-day-1]')
    await page.check('[data-testid=mw-day-3]')
    await page.fill('[data-testid=mw-end]', '05:00')
    await page.click('[data-testid=mw-add]')
    await expect.poll(() => rows(page).count()).toBe(1)
    const row = rows(page).first()
    expect(await row.getAttribute('data-hub')).toBe('CAN-TC')
    const text = await row.textContent()
    expect(text).toContain('02:00–05:00')
    expect(text).toContain('周一、周三')
    expect(text).toContain('分拣线夜间检修')
    expect(await page.locator('[data-testid=mw-error]').count()).toBe(0)
    expect(await page.locator('[data-testid=muted-badge]').count()).toBe(0)
    // One running now at the alert's hub, every day, any rule: the alert in the list is muted at once.
    await page.selectOption('[data-testid=mw-hub]', 'SHA-TC')
    await page.fill('[data-testid=mw-start]', shanghai(-60))
    await page.fill('[data-testid=mw-end]', shanghai(60))
    await page.fill('[data-testid=mw-comment]', '夜班停线')
    await page.selectOption('[data-testid=mw-rule]', '')
    await page.click('[data-testid=mw-add]')
    await expect.poll(() => rows(page).count()).toBe(2)
    expect(await page.locator('[data-testid=mw-row][data-active=true]').count()).toBe(1)
    await expect.poll(() => page.locator('[data-testid=muted-badge]').count()).toBe(1)
    const listed = await api(sys, { cookie: await login(sys, 'boss') }).get('/api/v1/maintenance-windows')
    expect(listed.windows.map((w) => [w.days, w.rule])).toEqual(
      expect.arrayContaining([
        [[1, 3], 'parcel_late'],
        [[], null],
      ]),
    )
    await page.screenshot({ path: `${ARTIFACTS}/maintenance-windows-zh-1440.png`, fullPage: true })

    // English, then a phone.
    await page.goto(`${sys.url}/alerts?lang=en`)
    await page.click('[data-testid=maintenance-windows] summary')
    await expect.poll(() => page.textContent('[data-testid=maintenance-windows]')).toContain('Mon, Wed')
    expect(await page.textContent('[data-testid=maintenance-windows]')).toContain('1 running now')
    await page.screenshot({ path: `${ARTIFACTS}/maintenance-windows-en-1440.png`, fullPage: true })
    await page.setViewportSize({ width: 390, height: 844 })
    await page.screenshot({ path: `${ARTIFACTS}/maintenance-windows-en-390.png`, fullPage: true })
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390)
    await page.goto(`${sys.url}/alerts?lang=zh`)
    await page.click('[data-testid=maintenance-windows] summary')
    await expect.poll(() => rows(page).count()).toBe(2)
    await page.screenshot({ path: `${ARTIFACTS}/maintenance-windows-zh-390.png`, fullPage: true })
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390)

    await rows(page).filter({ hasText: '分拣线夜间检修' }).locator('[data-testid=mw-remove]').click()
    await expect.poll(() => rows(page).count()).toBe(1)
    expect(await page.textContent('[data-testid=maintenance-windows]')).not.toContain('分拣线夜间检修')
    await ctx.close()

    // On-call staff see the windows, not the form.
    const duty = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage()
    await signIn(duty, 'duty')
    await duty.click('[data-testid=maintenance-windows] summary')
    await expect.poll(() => rows(duty).count()).toBe(1)
    expect(await duty.locator('[data-testid=mw-form]').count()).toBe(0)
    expect(await duty.locator('[data-testid=mw-remove]').count()).toBe(0)
    await duty.context().close()
  })
})
