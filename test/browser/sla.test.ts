import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page, Route } from 'playwright-core'
import { addUser, call, startTestSystem, USER_PASSWORD, type TestSystem } from '../helpers/system.ts'
import { api } from '../helpers/api.ts'
import { ARTIFACTS, type PageCanvas, type PageRow } from '../helpers/browser.ts'
import { sharedBrowser } from '../helpers/shared-system.ts'
import { event, shipment } from '../helpers/builders.ts'
import { runDbPolicies } from '../../jobs/processors/run-db-policies.ts'
import { createLogger } from '../../server/lib/logger.ts'

// Crafted so that the presets disagree: in the last 7 days three express parcels
// were delivered on time at Shanghai (100 %); in the last 30 days, also two
// standard parcels delivered late at Beijing 12 days ago and one returned refused
// (excused): 3 / (3 + 2) = 60 %.
let sys: TestSystem
let browser: Browser
const DAY = 86_400_000

beforeAll(async () => {
  sys = await startTestSystem()
  await addUser(sys, 'boss', 'manager')
  const now = Date.now()
  const ago = (d: number) => new Date(now - d * DAY).toISOString()
  const recent = [0, 1, 2].map(() => shipment({ tier: 'express', collectedAt: ago(2.5), destinationHub: 'SHA-O1' }))
  const old = [0, 1].map(() =>
    shipment({ tier: 'standard', collectedAt: ago(20), originHub: 'HGH-O1', destinationHub: 'BJS-O1' }),
  )
  const refused = shipment({ tier: 'economy', collectedAt: ago(20), destinationHub: 'BJS-O1' })
  expect(
    (await api(sys, { token: sys.token }).post('/api/v1/shipments', { body: [...recent, ...old, refused] })).accepted,
  ).toHaveLength(6)
  const ev = await api(sys, { token: sys.token }).post('/api/v1/events', {
    body: [
      ...recent.map((s) =>
        event(s.waybill, { type: 'delivered', hub: 'SHA-O1', signer: '本人', courier: 'C-SHA-O1-01', time: ago(1.5) }),
      ),
      ...old.map((s) =>
        event(s.waybill, { type: 'delivered', hub: 'BJS-O1', signer: '本人', courier: 'C-BJS-O1-01', time: ago(12) }),
      ),
      event(refused.waybill, { type: 'exception', hub: 'BJS-O1', reason: 'refused', time: ago(14) }),
      event(refused.waybill, { type: 'returned', hub: 'BJS-O1', time: ago(13) }),
    ],
  })
  expect(ev.rejected).toEqual([])
  // Two feedback scores today (5 and 2): the satisfaction panel shows 3.50 from 2 answers.
  for (const [i, score] of [5, 2].entries()) {
    expect(
      (await call(sys, 'POST', '/api/v1/feedback', { token: sys.token, body: { waybill: recent[i]!.waybill, score } }))
        .status,
    ).toBe(201)
  }
  // Materialise the aggregates as the scheduled job does (the wide refresh reaches 12 days back).
  await runDbPolicies({ db: sys.database.pool, log: createLogger('silent') }, {}, new Date(now + DAY))
  browser = await sharedBrowser()
})

afterAll(async () => {
  await browser?.close()
  await sys?.stop()
})

async function signIn(page: Page, path: string): Promise<void> {
  await page.goto(`${sys.url}${path}`)
  await page.waitForSelector('input[name=username]')
  await page.fill('input[name=username]', 'boss')
  await page.fill('input[name=password]', USER_PASSWORD)
  await page.click('button[type=submit]')
  await page.waitForURL((url) => url.pathname === '/sla')
}

const rate = (page: Page, tier: string) =>
  page.locator(`[data-testid=tile-${tier}] [data-testid=tile-rate]`).innerText()
const tableCells = (page: Page, by: string) =>
  page
    .locator(`[data-testid=table-${by}] tbody tr`)
    .evaluateAll((rows: PageRow[]) =>
      rows.map((r) => [...r.querySelectorAll('td')].map((td) => String(td.textContent ?? '').trim())),
    )
/** The chart canvas has drawn something: more than one colour among its pixels. */
const chartDrawn = (page: Page, testId: string) =>
  page
    .locator(`[data-testid=${testId}] canvas`)
    .first()
    .evaluate((c: PageCanvas) => {
      const ctx = c.getContext('2d')
      if (!ctx) throw new Error('the chart canvas has no 2d context')
      const d = ctx.getImageData(0, 0, c.width, c.height).data
      const colours = new Set<number>()
      for (let i = 0; i < d.length; i += 16 * 4) colours.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!)
      return colours.size
    })

/** Opaque near-black pixels of a chart canvas: its labels when printed (dark text on white). */
const darkPixels = (page: Page, testId: string) =>
  page
    .locator(`[data-testid=${testId}] canvas`)
    .first()
    .evaluate((c: PageCanvas) => {
      const ctx = c.getContext('2d')
      if (!ctx) throw new Error('the chart canvas has no 2d context')
      const d = ctx.getImageData(0, 0, c.width, c.height).data
      let n = 0
      for (let i = 0; i < d.length; i += 4) if (d[i + 3]! > 200 && Math.max(d[i]!, d[i + 1]!, d[i + 2]!) < 45) n++
      return n
    })

/** Holds the SLA API's answers until released: the page is caught between two periods. */
async function holdSlaAnswers(page: Page): Promise<() => Promise<void>> {
  let release!: () => void
  const gate = new Promise<void>((r) => {
    release = r
  })
  const held = async (route: Route) => {
    await gate
    await route.continue().catch(() => undefined)
  }
  await page.route('**/api/v1/sla/**', held)
  await page.route('**/api/v1/satisfaction/**', held)
  return async () => {
    release()
    await page.unroute('**/api/v1/sla/**', held)
    await page.unroute('**/api/v1/satisfaction/**', held)
  }
}

describe('SLA page in Chromium', () => {
  it("never shows the previous period's figures under the new label while the new ones load", async () => {
    const ctx = await browser.newContext({ viewport: { width: 1920, height: 1080 } })
    const page = await ctx.newPage()
    await signIn(page, '/sla?range=7d')
    await page.waitForSelector('[data-testid=tiles]')
    expect(await rate(page, 'all')).toBe('100.0%')
    const sevenDays = await page.locator('[data-testid=period]').innerText()

    const release = await holdSlaAnswers(page)
    await page.click('[data-testid=preset-30d]')
    // The label says 30 days at once; the 7-day figures are gone, a loading state says so.
    await expect.poll(() => page.locator('[data-testid=period]').innerText()).not.toBe(sevenDays)
    await page.waitForSelector('[data-testid=sla-loading]')
    expect(await page.locator('[data-testid=sla-loading]').innerText()).toContain(
      await page.locator('[data-testid=period]').innerText(),
    )
    expect(await page.locator('[data-testid=tiles]').count()).toBe(0)
    expect(await page.locator('[data-testid=sla-figures]').count()).toBe(0)
    expect(await page.locator('.sla-main').innerText()).not.toContain('100.0%')
    expect(await page.isDisabled('[data-testid=print]')).toBe(true)
    await page.screenshot({ path: `${ARTIFACTS}/sla-loading-1920x1080.png` })
    await release()
    await page.waitForFunction(
      `document.querySelector('[data-testid=tile-all] [data-testid=tile-rate]')?.textContent?.trim() === '60.0%'`,
    )
    expect(await page.isDisabled('[data-testid=print]')).toBe(false)

    // A re-sort of the same period keeps its figures, dimmed, with export and print held until the new order arrives.
    const releaseSort = await holdSlaAnswers(page)
    await page.click('[data-testid=sort-hub-rate]')
    await page.waitForSelector('[data-testid=sla-figures][aria-busy=true]')
    expect(await page.isDisabled('[data-testid=csv-hub]')).toBe(true)
    expect(await page.isDisabled('[data-testid=print]')).toBe(true)
    expect(await page.locator('[data-testid=sla-busy]').isVisible()).toBe(true)
    await releaseSort()
    await page.waitForSelector('[data-testid=sla-figures][aria-busy=false]')
    expect(await page.isDisabled('[data-testid=csv-hub]')).toBe(false)
    await ctx.close()
  })

  it('changes the figures with the period, drills down to the parcels, exports what the tables show', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1920, height: 1080 }, acceptDownloads: true })
    const page = await ctx.newPage()
    await signIn(page, '/sla?range=7d')
    await page.waitForSelector('[data-testid=tiles]')
    expect(await rate(page, 'all')).toBe('100.0%')
    expect(await rate(page, 'express')).toBe('100.0%')
    expect(await tableCells(page, 'hub')).toEqual([['SHA-O1', '上海浦东网点', '3', '3', '0', '0', '100.0%']])
    for (const chart of ['chart-trend', 'chart-percentiles', 'chart-satisfaction'])
      expect(await chartDrawn(page, chart)).toBeGreaterThan(3)
    expect(await page.locator('[data-testid=satisfaction-average]').innerText()).toBe('3.50')
    expect(await page.locator('[data-testid=satisfaction-count]').innerText()).toBe('2')
    await page.screenshot({ path: `${ARTIFACTS}/sla-7d-1920x1080.png` })
    await page.locator('[data-testid=chart-satisfaction]').screenshot({ path: `${ARTIFACTS}/sla-satisfaction.png` })

    await page.click('[data-testid=preset-30d]')
    await page.waitForFunction(
      `document.querySelector('[data-testid=tile-all] [data-testid=tile-rate]')?.textContent?.trim() === '60.0%'`,
    )
    expect(new URL(page.url()).searchParams.get('range')).toBe('30d')
    expect(await rate(page, 'standard')).toBe('0.0%')
    const hubRows = await tableCells(page, 'hub')
    // Sorted by parcels closed (a tie: then by code).
    expect(hubRows).toEqual([
      ['BJS-O1', '北京朝阳网点', '3', '0', '2', '1', '0.0%'],
      ['SHA-O1', '上海浦东网点', '3', '3', '0', '0', '100.0%'],
    ])
    for (const chart of ['chart-trend', 'chart-pareto', 'chart-percentiles'])
      expect(await chartDrawn(page, chart)).toBeGreaterThan(3)
    await page.screenshot({ path: `${ARTIFACTS}/sla-30d-1920x1080.png` })
    await page.screenshot({ path: `${ARTIFACTS}/sla-30d-full.png`, fullPage: true })

    // Sorting by on-time rate, highest first: the server re-sorts, Shanghai first.
    await page.click('[data-testid=sort-hub-rate]')
    await page.waitForFunction(
      `document.querySelector('[data-testid=table-hub] tbody tr td')?.textContent?.trim() === 'SHA-O1'`,
    )

    // The CSV holds exactly the rows the table shows, in its order.
    const shown = await tableCells(page, 'hub')
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=csv-hub]')])
    const csv = await readFile((await download.path())!, 'utf8')
    expect(csv.startsWith('\ufeff')).toBe(true)
    const lines = csv.slice(1).trim().split('\r\n')
    expect(lines[0]).toBe('网点代码,网点名称,完结,准时,延误,免责,准时率')
    expect(lines.slice(1)).toEqual(shown.map((r) => r.join(',')))

    // A figure opens the parcels behind it, each linking to the look-up page.
    await page.click('[data-testid=fig-all-late]')
    await page.waitForSelector('[data-testid=drill-row]')
    expect(await page.locator('[data-testid=drill-total]').innerText()).toMatch(/2\D+2$/)
    const links = await page
      .locator('[data-testid=drill-row] a')
      .evaluateAll((as) => as.map((a) => a.getAttribute('href')))
    expect(links).toHaveLength(2)
    for (const href of links) expect(href).toMatch(/^\/track\?q=PW/)
    await page.screenshot({ path: `${ARTIFACTS}/sla-drill-1920x1080.png` })
    const [parcelsCsv] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=csv-parcels]')])
    const parcelLines = (await readFile((await parcelsCsv.path())!, 'utf8')).slice(1).trim().split('\r\n')
    expect(parcelLines).toHaveLength(3)
    await page.click('[data-testid=drill-close]')

    // Print media: no period bar or buttons, the period printed instead; the charts' labels turn dark for white paper.
    const darkOnScreen = await darkPixels(page, 'chart-trend')
    await page.emulateMedia({ media: 'print' })
    await expect.poll(() => darkPixels(page, 'chart-trend')).toBeGreaterThan(darkOnScreen + 200)
    expect(await page.locator('[data-testid=period-bar]').isVisible()).toBe(false)
    expect(await page.locator('[data-testid=app-nav]').isVisible()).toBe(false)
    await page.pdf?.({ path: `${ARTIFACTS}/sla-report.pdf`, format: 'A4', landscape: true }).catch(() => undefined)
    await page.emulateMedia({ media: 'screen' })

    // English labels, and a period with nothing closed shows the empty state.
    await page.evaluate(`localStorage.setItem('parcelwatch.lang', 'en')`)
    await page.goto(`${sys.url}/sla?range=custom&from=2025-01-01&to=2025-01-31`)
    await page.waitForSelector('[data-testid=sla-empty]')
    expect(await page.locator('[data-testid=sla-empty]').innerText()).toContain('No parcel closed in this period')
    await page.goto(`${sys.url}/sla?range=30d`)
    await page.waitForSelector('[data-testid=tiles]')
    expect(await page.locator('[data-testid=table-hub] thead').innerText()).toContain('On-time rate')
    await page.screenshot({ path: `${ARTIFACTS}/sla-en-1920x1080.png`, fullPage: true })
    await ctx.close()
  })
})
