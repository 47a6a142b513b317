import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { addUser, startTestSystem, type TestSystem } from '../helpers/system.ts'
import { api } from '../helpers/api.ts'
import { ARTIFACTS, signIn, type PageCanvas, type PageRow } from '../helpers/browser.ts'
import { sharedBrowser } from '../helpers/shared-system.ts'
import { event, shipment } from '../helpers/builders.ts'
import { routeBetween } from '../../server/data/network.ts'
import { forgetTransitModel } from '../../server/services/transit-model.ts'
import { runDbPolicies } from '../../jobs/processors/run-db-policies.ts'
import { createLogger } from '../../server/lib/logger.ts'

// "Where the time was lost" on /sla (issue 13). Two routes with 30 parcels each on time
// (dwells of 1.5–3 h, collected at every hour of the last 11 days, so the kept histograms
// give each segment its p50), then late ones: six held a week at Hangzhou's sorting centre
// (the dominant bar), three a week on the line-haul Shanghai → Beijing.
let sys: TestSystem
let browser: Browser
const H = 3_600_000
const R1 = routeBetween('HGH-O1', 'SHA-O1') // HGH-O1 HGH-SC SHA-TC SHA-O1
const R2 = routeBetween('NKG-O1', 'BJS-O1') // NKG-O1 NKG-SC SHA-TC BJS-TC BJS-O1
const SLOW_HUB = R1[1]!
const SLOW_LANE = `${R2[2]}→${R2[3]}`
const lateWaybills: string[] = []

/** Scans of one parcel along its route: `dwell(i)` hours at the i-th hub, `haul(i)` hours on the leg leaving it. */
function life(
  waybill: string,
  route: readonly string[],
  collected: number,
  dwell: (i: number) => number,
  haul: (i: number) => number,
) {
  let t = collected
  const at = (h: number) => new Date((t += h * H)).toISOString()
  const dest = route.at(-1)!
  const steps = []
  for (let i = 0; i + 1 < route.length; i++) {
    steps.push(event(waybill, { type: 'departed_hub', hub: route[i], time: at(dwell(i)) }))
    steps.push(event(waybill, { type: 'arrived_hub', hub: route[i + 1], time: at(haul(i)) }))
  }
  steps.push(event(waybill, { type: 'out_for_delivery', hub: dest, courier: `C-${dest}-01`, time: at(1.5) }))
  steps.push(event(waybill, { type: 'delivered', hub: dest, courier: `C-${dest}-01`, signer: '本人', time: at(1) }))
  return steps
}

beforeAll(async () => {
  ;[sys, browser] = await Promise.all([startTestSystem(), sharedBrowser()])
  await addUser(sys, 'boss', 'manager')
  const now = Date.now()
  const parcels: Array<{ s: ReturnType<typeof shipment>; steps: unknown[] }> = []
  for (const [route, origin, dest] of [
    [R1, 'HGH-O1', 'SHA-O1'],
    [R2, 'NKG-O1', 'BJS-O1'],
  ] as const) {
    for (let i = 0; i < 30; i++) {
      const collected = now - 11 * 24 * H + i * 7.7 * H
      const s = shipment({
        originHub: origin,
        destinationHub: dest,
        collectedBy: `C-${origin}-01`,
        collectedAt: new Date(collected).toISOString(),
      })
      parcels.push({
        s,
        steps: life(
          s.waybill,
          route,
          collected,
          (k) => 1.5 + ((i + k) % 4) * 0.5,
          () => 2 + (i % 3) * 0.5,
        ),
      })
    }
  }
  const lateOnes = (
    n: number,
    route: readonly string[],
    origin: string,
    dest: string,
    dwell: (i: number) => number,
    haul: (i: number) => number,
  ) => {
    for (let i = 0; i < n; i++) {
      const collected = now - (11 - i * 0.2) * 24 * H
      const s = shipment({
        originHub: origin,
        destinationHub: dest,
        collectedBy: `C-${origin}-01`,
        collectedAt: new Date(collected).toISOString(),
      })
      lateWaybills.push(s.waybill)
      parcels.push({ s, steps: life(s.waybill, route, collected, dwell, haul) })
    }
  }
  lateOnes(
    6,
    R1,
    'HGH-O1',
    'SHA-O1',
    (k) => (k === 1 ? 170 : 2),
    () => 2.5,
  )
  lateOnes(
    3,
    R2,
    'NKG-O1',
    'BJS-O1',
    () => 2,
    (k) => (k === 2 ? 150 : 2.5),
  )
  expect(
    (await api(sys, { token: sys.token }).post('/api/v1/shipments', { body: parcels.map((p) => p.s) })).accepted,
  ).toHaveLength(parcels.length)
  const steps = parcels.flatMap((p) => p.steps)
  for (let i = 0; i < steps.length; i += 200) {
    const r = await api(sys, { token: sys.token }).post('/api/v1/events', { body: steps.slice(i, i + 200) })
    expect(r.rejected).toEqual([])
  }
  forgetTransitModel(sys.database.pool)
  // Materialise the SLA aggregates as the scheduled job does (the page shows nothing for a period without closed parcels).
  await runDbPolicies({ db: sys.database.pool, log: createLogger('silent') }, {}, new Date(now + 24 * H))
})

afterAll(async () => {
  await browser?.close()
  await sys?.stop()
})

/** The chart canvas has drawn something: more than a few colours among its pixels. */
const chartColours = (page: Page, testId: string) =>
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

/** Clicks the first (tallest) bar of the Pareto: just above the x axis, in the first category's middle. */
async function clickFirstBar(page: Page): Promise<void> {
  const box = (await page.locator('[data-testid=chart-time-lost] canvas').first().boundingBox())!
  const bars = Number(await page.getAttribute('[data-testid=chart-time-lost]', 'data-bars'))
  const left = 52 // the grid of buildTimeLostOption
  const right = 48
  const bottom = (await page.getAttribute('[data-testid=chart-time-lost]', 'data-rotate')) === '0' ? 40 : 92
  await page.mouse.click(box.x + left + (box.width - left - right) / bars / 2, box.y + box.height - bottom - 6)
}

describe('where the time was lost, on /sla in Chromium', () => {
  it('puts the slow sorting centre first, drills down to its late parcels and exports them', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true })
    const page = await ctx.newPage()
    await signIn(page, sys.url, 'boss', '/sla?range=30d')
    await page.waitForSelector('[data-testid=chart-time-lost] canvas')
    expect(await page.getAttribute('[data-testid=chart-time-lost]', 'data-first')).toBe(`hub_dwell:${SLOW_HUB}`)
    expect(await page.locator('[data-testid=time-lost-parcels]').innerText()).toBe('9')
    await expect.poll(() => chartColours(page, 'chart-time-lost')).toBeGreaterThan(3)
    await expect.poll(() => chartColours(page, 'chart-dwell-heat')).toBeGreaterThan(3)
    expect(await page.locator('[data-testid=heat-hub]').inputValue()).toBe(SLOW_HUB)
    // Breach causes by the segment that lost most, beside the closing-scan causes.
    const causes = await page.locator('[data-testid=row-lost-cause]').allInnerTexts()
    expect(causes[0]).toContain(`在 ${SLOW_HUB} 杭州分拣中心 中转停留`)
    expect(causes[0]).toMatch(/\t6\t/)
    expect(causes[1]).toContain(`干线 ${SLOW_LANE}`)
    expect(await page.locator('[data-testid=lost-causes]').innerText()).toContain(SLOW_HUB)
    await page.locator('[data-testid=time-lost]').screenshot({ path: `${ARTIFACTS}/sla-time-lost-1440.png` })

    await page.locator('[data-testid=chart-time-lost]').scrollIntoViewIfNeeded()
    await clickFirstBar(page)
    await page.waitForSelector('[data-testid=time-lost-row]')
    expect(await page.getAttribute('[data-testid=time-lost-drill]', 'data-pick')).toBe(`hub_dwell:${SLOW_HUB}`)
    const rows = await page
      .locator('[data-testid=time-lost-row]')
      .evaluateAll((trs: PageRow[]) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => String(td.textContent).trim())),
      )
    expect(rows).toHaveLength(6)
    for (const r of rows) {
      expect(lateWaybills.slice(0, 6)).toContain(r[0])
      expect(r[3]).toContain(SLOW_HUB)
      expect(Number(r[4])).toBeGreaterThan(150)
    }
    expect(await page.locator('[data-testid=time-lost-total]').innerText()).toMatch(/6\D+6$/)
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=csv-time-lost]')])
    const csv = (await readFile((await download.path())!, 'utf8')).slice(1).trim().split('\r\n')
    expect(csv[0]).toBe('运单号,时效,线路,环节,该处超时（小时）,延误（小时）,签收时间,原因')
    expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual(rows.map((r) => r[0]))

    // The breach cause "line-haul A→B" opens its three parcels.
    await page.locator('[data-testid=row-lost-cause] button', { hasText: SLOW_LANE }).click()
    await expect
      .poll(() => page.getAttribute('[data-testid=time-lost-drill]', 'data-pick'))
      .toBe(`line_haul:${SLOW_LANE}`)
    await expect.poll(() => page.locator('[data-testid=time-lost-row]').count()).toBe(3)

    // Printed with the page: the drill-down's rows stay, its buttons go.
    await page.emulateMedia({ media: 'print' })
    expect(await page.locator('[data-testid=time-lost-row]').first().isVisible()).toBe(true)
    expect(await page.locator('[data-testid=csv-time-lost]').isVisible()).toBe(false)
    await page.emulateMedia({ media: 'screen' })
    await page.screenshot({ path: `${ARTIFACTS}/sla-time-lost-zh-1440-full.png`, fullPage: true })

    // A tier with no late parcel: the section empties, the rest of the page stays.
    await page.selectOption('[data-testid=time-lost-tier]', 'express')
    await page.waitForSelector('[data-testid=time-lost-empty]')
    expect(await page.locator('[data-testid=time-lost-parcels]').innerText()).toBe('0')
    await ctx.close()
  })

  for (const [lang, width, height] of [
    ['en', 390, 844],
    ['zh', 390, 844],
    ['en', 1440, 900],
  ] as const) {
    it(`reads in ${lang} at ${width} px`, async () => {
      const ctx = await browser.newContext({ viewport: { width, height }, isMobile: width < 500 })
      const page = await ctx.newPage()
      await page.goto(`${sys.url}/login`)
      await page.evaluate(`localStorage.setItem('parcelwatch.lang', '${lang}')`)
      await signIn(page, sys.url, 'boss', '/sla?range=30d')
      await page.waitForSelector('[data-testid=chart-time-lost] canvas')
      expect(await page.locator('[data-testid=time-lost] h3').innerText()).toBe(
        lang === 'en' ? 'Where the time was lost' : '时间损失在哪里',
      )
      expect(await page.locator('[data-testid=row-lost-cause]').first().innerText()).toContain(
        lang === 'en' ? `hub dwell at ${SLOW_HUB}` : `在 ${SLOW_HUB}`,
      )
      await expect.poll(() => chartColours(page, 'chart-time-lost')).toBeGreaterThan(3)
      // No sideways scrolling of the page itself.
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width)
      await page
        .locator('[data-testid=time-lost]')
        .screenshot({ path: `${ARTIFACTS}/sla-time-lost-${lang}-${width}.png` })
      await page.screenshot({ path: `${ARTIFACTS}/sla-time-lost-${lang}-${width}-full.png`, fullPage: true })
      await ctx.close()
    })
  }
})
