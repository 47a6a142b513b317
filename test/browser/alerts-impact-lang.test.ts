import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { addUser, call, login, startTestSystem, USER_PASSWORD, type TestSystem } from '../helpers/system.ts'
import { api } from '../helpers/api.ts'
import { ARTIFACTS, launchBrowser } from '../helpers/browser.ts'
import { event, minutesAgo, shipment } from '../helpers/builders.ts'
import { runSweep } from '../../server/services/sla-sweep.ts'

/**
 * The console in the reader's language and by impact (issue 11): alert titles are
 * stored as a message key and parameters and rendered in Chinese (default) or English
 * (?lang=en, the language switch); a 30-parcel alert lists above one-parcel alerts
 * opened after it; a person's resolution holds across the next sweep.
 */
let sys: TestSystem
let browser: Browser

const hubNames = new Map([
  ['SHA-TC', '上海转运中心'],
  ['CAN-TC', '广州转运中心'],
  ['BJS-TC', '北京转运中心'],
  ['HGH-SC', '杭州分拣中心'],
])

/** Parcels collected long ago (deadline past), last scanned an hour ago at `hub`. */
async function lateParcelsAt(hub: string, count: number): Promise<void> {
  const list = Array.from({ length: count }, () => shipment({ collectedAt: '2026-11-02T10:00:00+08:00' }))
  await call(sys, 'POST', '/api/v1/shipments', { token: sys.token, body: list })
  const r = await api(sys, { token: sys.token }).post('/api/v1/events', {
    body: list.map((s) => event(s.waybill, { type: 'arrived_hub', hub, time: minutesAgo(60) })),
  })
  expect(r.accepted).toBe(count)
}

const sweep = () => runSweep(sys.database.pool, sys.config.sla, hubNames, new Date())

beforeAll(async () => {
  if (!existsSync('dist/web/index.html')) throw new Error('Build the dashboard first: npm run build:web')
  // Every parcel_late alert a warning (one parcel pages, 1000 would be critical): the order below comes from impact, not severity.
  ;[sys, browser] = await Promise.all([
    startTestSystem({ RUN_WORKERS: 'false', PAGE_MIN_PARCELS: '1', LATE_CRITICAL_COUNT: '1000' }),
    launchBrowser(),
  ])
  await addUser(sys, 'duty', 'on_call')
  await addUser(sys, 'screen', 'control_room')
  await lateParcelsAt('SHA-TC', 30)
  await sweep()
  // One parcel each at three other hubs, opened after the big one.
  for (const hub of ['CAN-TC', 'BJS-TC', 'HGH-SC']) await lateParcelsAt(hub, 1)
  await sweep()
})
afterAll(async () => {
  await browser?.close()
  await sys?.stop()
})

async function signIn(page: Page, path: string): Promise<void> {
  await page.goto(`${sys.url}${path}`)
  await page.waitForSelector('input[name=username]')
  await page.fill('input[name=username]', 'duty')
  await page.fill('input[name=password]', USER_PASSWORD)
  await page.click('button[type=submit]')
  await page.waitForURL((url) => url.pathname === '/alerts')
}

const rows = (page: Page) => page.locator('[data-testid=alert-row]')
const listed = (page: Page) =>
  rows(page).evaluateAll((els) =>
    els.map((e) => [e.getAttribute('data-hub'), e.querySelector('.c-title')?.textContent?.trim() ?? '']),
  )

describe("the alert console by impact, in the reader's language", () => {
  it('lists the 30-parcel alert above newer one-parcel alerts, in Chinese by default and in English with ?lang=en or the switch', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1600, height: 900 } })
    const page = await ctx.newPage()
    await signIn(page, '/alerts')
    await expect.poll(async () => (await listed(page)).length).toBe(4)
    const zh = await listed(page)
    expect(zh[0]).toEqual(['SHA-TC', '上海转运中心：30 件包裹已超过承诺时效'])
    expect(
      zh
        .slice(1)
        .map(([hub]) => hub)
        .sort(),
    ).toEqual(['BJS-TC', 'CAN-TC', 'HGH-SC'])
    expect(zh.find(([hub]) => hub === 'CAN-TC')![1]).toBe('广州转运中心：1 件包裹已超过承诺时效')
    await page.screenshot({ path: `${ARTIFACTS}/alerts-impact-zh.png` })

    // The switch re-renders the stored key and parameters in English, nothing refetched as text.
    await page.click('[data-testid=lang-toggle]')
    await expect
      .poll(async () => (await listed(page))[0])
      .toEqual(['SHA-TC', '30 parcels past their promised deadline at 上海转运中心'])
    expect((await listed(page)).find(([hub]) => hub === 'CAN-TC')![1]).toBe(
      '1 parcel past its promised deadline at 广州转运中心',
    )
    await ctx.close()

    // A fresh browser asks for English in the address.
    const en = await browser.newContext({ viewport: { width: 1600, height: 900 } })
    const enPage = await en.newPage()
    await signIn(enPage, '/alerts?lang=en')
    await expect
      .poll(async () => (await listed(enPage))[0])
      .toEqual(['SHA-TC', '30 parcels past their promised deadline at 上海转运中心'])
    await rows(enPage).first().click()
    await enPage.waitForSelector('[data-testid=detail-parcels]')
    expect(await enPage.textContent('[data-testid=alert-detail] h2')).toBe(
      '30 parcels past their promised deadline at 上海转运中心',
    )
    await enPage.screenshot({ path: `${ARTIFACTS}/alerts-impact-en.png` })
    await en.close()

    // The wall ticker renders the same stored titles: Chinese by default, English with ?lang=en.
    const cookie = await login(sys, 'screen')
    const cut = cookie.indexOf('=')
    const wallCtx = await browser.newContext({ viewport: { width: 1920, height: 1080 } })
    await wallCtx.addCookies([{ name: cookie.slice(0, cut), value: cookie.slice(cut + 1), url: sys.url }])
    const wall = await wallCtx.newPage()
    await wall.goto(`${sys.url}/wall`)
    await expect.poll(() => wall.getAttribute('[data-testid=wall-ticker]', 'data-count'), { timeout: 30_000 }).toBe('4')
    await expect.poll(() => wall.textContent('[data-testid=wall-ticker]')).toMatch(/件包裹已超过承诺时效/)
    await wall.goto(`${sys.url}/wall?lang=en`)
    await expect
      .poll(() => wall.textContent('[data-testid=wall-ticker]'), { timeout: 30_000 })
      .toMatch(/parcels? past (its|their) promised deadline at/)
    expect(await wall.textContent('[data-testid=wall-ticker]')).not.toMatch(/件包裹/)
    await wall.screenshot({ path: `${ARTIFACTS}/alerts-impact-wall-en.png` })
    await wallCtx.close()
  })

  it('keeps a hub resolved by a person resolved across the next sweep while its parcels are still late', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1600, height: 900 } })
    const page = await ctx.newPage()
    await signIn(page, '/alerts?lang=zh')
    await expect.poll(async () => (await listed(page)).length).toBe(4)
    await rows(page).first().click()
    await page.waitForSelector('[data-testid=action-resolve]')
    await page.fill('[data-testid=action-comment]', '已安排上海转运中心加班处理积压')
    await page.click('[data-testid=action-resolve]')
    await expect.poll(() => page.getAttribute('[data-testid=detail-state]', 'data-state')).toBe('resolved')

    await sweep()
    await page.reload()
    await expect
      .poll(async () => (await listed(page)).map(([hub]) => hub).sort())
      .toEqual(['BJS-TC', 'CAN-TC', 'HGH-SC'])
    // One alert for the hub, still resolved: the sweep opened no new one while the 30 parcels are no worse.
    const stored = await sys.database.pool.query<{ state: string }>(
      `SELECT state FROM alerts WHERE rule = 'parcel_late' AND hub_code = 'SHA-TC'`,
    )
    expect(stored.rows.map((a) => a.state)).toEqual(['resolved'])
    await page.screenshot({ path: `${ARTIFACTS}/alerts-impact-after-resolve.png` })
    await ctx.close()
  })

  it('labels an alert that came back soon after resolving by itself as flapping, with the time it may page again', async () => {
    // What flap damping stores (test/integration/alerts-flap.test.ts opens one through the sweep's reconciliation).
    const until = new Date(Date.now() + 2 * 3_600_000)
    await sys.database.pool.query(
      `UPDATE alerts SET quiet_until = $1 WHERE rule = 'parcel_late' AND hub_code = 'CAN-TC' AND state <> 'resolved'`,
      [until],
    )
    const hhmm = new Date(until.getTime() + 8 * 3_600_000).toISOString().slice(11, 16)
    const ctx = await browser.newContext({ viewport: { width: 1600, height: 900 } })
    const page = await ctx.newPage()
    await signIn(page, '/alerts?lang=zh')
    const badge = page.locator('[data-testid=alert-row][data-hub=CAN-TC] [data-testid=muted-badge]')
    await expect
      .poll(() => badge.textContent())
      .toBe(`反复出现 · ${new Date(until.getTime() + 8 * 3_600_000).toISOString().slice(5, 10)} ${hhmm} 前不再通知`)
    // The others are not muted.
    expect(await page.locator('[data-testid=muted-badge]').count()).toBe(1)
    await page.click('[data-testid=lang-toggle]')
    await expect.poll(() => badge.textContent()).toMatch(new RegExp(`^Flapping · no page until \\d\\d-\\d\\d ${hhmm}$`))
    await page.screenshot({ path: `${ARTIFACTS}/alerts-flapping.png` })
    await ctx.close()
  })
})
