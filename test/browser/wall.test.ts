import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page, Route } from 'playwright-core'
import { addUser, ADMIN_PASSWORD, call, login, startTestSystem, type TestSystem } from '../helpers/system.ts'
import { api } from '../helpers/api.ts'
import { ARTIFACTS } from '../helpers/browser.ts'
import { sharedBrowser } from '../helpers/shared-system.ts'
import { event, minutesAgo, shipment } from '../helpers/builders.ts'

let sys: TestSystem
let browser: Browser
let adminCookie: string

beforeAll(async () => {
  if (!existsSync('dist/web/index.html')) throw new Error('Build the dashboard first: npm run build:web')
  ;[sys, browser] = await Promise.all([startTestSystem(), sharedBrowser()])
  adminCookie = await login(sys, 'admin', ADMIN_PASSWORD)
})
afterAll(async () => {
  await browser?.close()
  await sys?.stop()
})

const digits = (s: string | null) => Number((s ?? '').replace(/\D/g, ''))
const tileValue = (page: Page, key: string) =>
  page.textContent(`[data-testid=wall-tile-${key}] .wall-value`).then(digits)

/** Parcels on a few lanes: collected at an outlet, then scanned in at a transfer centre (in transit towards the destination). */
const LANES = [
  ['HGH-O1', 'SHA-TC', 'BJS-O1', 6],
  ['SZX-O1', 'CAN-TC', 'SHA-O1', 5],
  ['CTU-O1', 'CTU-TC', 'CAN-O1', 4],
  ['BJS-O2', 'BJS-TC', 'WUH-O1', 3],
  ['XIY-O1', 'XIY-TC', 'DLC-O1', 2],
] as const

async function postTraffic(): Promise<number> {
  let total = 0
  for (const [origin, centre, destination, n] of LANES) {
    const parcels = Array.from({ length: n }, () =>
      shipment({
        originHub: origin,
        destinationHub: destination,
        collectedBy: `C-${origin}-01`,
        collectedAt: minutesAgo(30),
      }),
    )
    await api(sys, { token: sys.token }).post('/api/v1/shipments', { body: parcels }) // throws unless 2xx
    const r = await api(sys, { token: sys.token }).post('/api/v1/events', {
      body: parcels.flatMap((p) => [
        event(p.waybill, { type: 'collected', hub: origin, courier: `C-${origin}-01`, time: minutesAgo(3) }),
        event(p.waybill, { type: 'arrived_hub', hub: centre, time: minutesAgo(1) }),
      ]),
    })
    expect(r.accepted, JSON.stringify(r)).toBe(2 * n)
    total += n
  }
  return total
}

/** Share of the map canvas that is drawn on, and how many pixels are hub green: a blank map fails. */
async function mapInk(page: Page): Promise<{ drawn: number; green: number }> {
  // Runs in the page (a string: this file is compiled without the DOM library).
  return page.evaluate(`(() => {
    const canvas = document.querySelector('[data-testid=wall-map] canvas')
    const ctx = canvas && canvas.getContext('2d')
    if (!ctx) return { drawn: 0, green: 0 }
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height)
    let drawn = 0
    let green = 0
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 0) drawn++
      if (data[i] < 90 && data[i + 1] > 190 && data[i + 2] < 150 && data[i + 3] > 200) green++
    }
    return { drawn: drawn / (canvas.width * canvas.height), green }
  })()`)
}

describe('wall screen in Chromium', () => {
  it('shows the not-enrolled notice to an unknown browser, without a login prompt', async () => {
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } })
    const page = await context.newPage()
    await page.goto(`${sys.url}/wall`)
    await page.waitForSelector('[data-testid=wall-not-enrolled]')
    expect(await page.textContent('[data-testid=wall-not-enrolled]')).toMatch(
      /此显示屏未登记[\s\S]*This display is not enrolled/,
    )
    expect(new URL(page.url()).pathname).toBe('/wall')
    expect(await page.isVisible('[data-testid=app-nav]')).toBe(false)
    await page.screenshot({ path: `${ARTIFACTS}/wall-not-enrolled-1920x1080.png` })
    await context.close()
  })

  it('opens for a signed-in control-room user on their session, without the nav', async () => {
    await addUser(sys, 'wall-viewer', 'control_room')
    const [name, value] = (await login(sys, 'wall-viewer')).split('=') as [string, string]
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } })
    await context.addCookies([{ name, value, url: sys.url }])
    const page = await context.newPage()
    await page.goto(`${sys.url}/wall`)
    await page.waitForSelector('[data-testid=wall-tile-inFlight] .wall-value')
    await expect.poll(() => page.getAttribute('[data-testid=wall-conn]', 'data-state')).toBe('open')
    await expect.poll(() => page.getAttribute('[data-testid=wall-map]', 'data-hubs')).toBe('41')
    expect(await page.isVisible('[data-testid=app-nav]')).toBe(false)
    expect(await page.isVisible('[data-testid=wall-not-enrolled]')).toBe(false)
    await context.close()
  })

  it('never claims "no alerts" before it knows the alert state, nor an empty legend before the map', async () => {
    await addUser(sys, 'wall-first', 'control_room')
    // A warning is open: the all-clear would be a lie.
    const incident = await api(sys, { cookie: adminCookie }).post('/api/v1/incidents', {
      status: 201,
      body: { hub: 'CTU-TC', kind: 'equipment_failure', title: '成都转运中心扫描枪故障' },
    })
    const [name, value] = (await login(sys, 'wall-first')).split('=') as [string, string]
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } })
    await context.addCookies([{ name, value, url: sys.url }])
    const page = await context.newPage()
    // Hold the alert list (as on a slow start or a reconnect) and catch the first frame.
    let release!: () => void
    const gate = new Promise<void>((r) => {
      release = r
    })
    const held = async (route: Route) => {
      await gate
      await route.continue().catch(() => undefined)
    }
    await page.route('**/api/v1/alerts?*', held)
    await page.goto(`${sys.url}/wall`)
    await page.waitForSelector('[data-testid=wall-ticker]')
    expect(await page.getAttribute('[data-testid=wall-ticker]', 'data-known')).toBe('false')
    expect(await page.textContent('[data-testid=wall-ticker]')).not.toMatch(/当前没有严重或警告告警/)
    expect(await page.isVisible('[data-testid=wall-ticker-pending]')).toBe(true)
    // The legend never says 0/0/0 while the map is unknown, nor numbers that don't add up to the hubs drawn.
    const legend = async () => {
      const cells = await Promise.all(
        ['ok', 'warn', 'bad'].map((k) => page.textContent(`[data-testid=wall-legend-${k}]`)),
      )
      return { cells, hubs: Number(await page.getAttribute('[data-testid=wall-map]', 'data-hubs')) }
    }
    const first = await legend()
    if (first.hubs === 0) expect(first.cells).toEqual(['—', '—', '—'])
    else expect(first.cells.reduce((n, c) => n + digits(c), 0)).toBe(first.hubs)
    await page.screenshot({ path: `${ARTIFACTS}/wall-first-frame-1920x1080.png` })
    release()
    await page.unroute('**/api/v1/alerts?*', held)
    await expect
      .poll(() => page.getAttribute('[data-testid=wall-ticker]', 'data-known'), { timeout: 20_000 })
      .toBe('true')
    await expect
      .poll(() => page.textContent('[data-testid=wall-ticker]'), { timeout: 20_000 })
      .toMatch(/成都转运中心扫描枪故障/)
    const later = await legend()
    expect(later.hubs).toBe(41)
    expect(later.cells.reduce((n, c) => n + digits(c), 0)).toBe(41)
    // Resolved again, so the next test's counts start from a quiet network.
    await api(sys, { cookie: adminCookie }).post('/api/v1/alerts/:id/resolve', {
      status: 200,
      params: { id: incident.alert.id },
      body: { comment: '恢复' },
    })
    await context.close()
  })

  it('fits its header and whole ticker titles in English at 1920x1080', async () => {
    const long = [
      [
        'WUH-TC',
        'Wuhan transfer centre: conveyor belt 3 stopped, parcels for Hubei and Hunan rerouted through Zhengzhou',
      ],
      [
        'XIY-TC',
        "Xi'an transfer centre: scanner network down since the night shift, manual scanning at two gates only",
      ],
    ]
    const ids: number[] = []
    for (const [hub, title] of long) {
      const r = await api(sys, { cookie: adminCookie }).post('/api/v1/incidents', {
        status: 201,
        body: { hub, kind: 'equipment_failure', title },
      })
      ids.push(r.alert.id)
    }
    const [name, value] = adminCookie.split('=') as [string, string]
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } })
    await context.addCookies([{ name, value, url: sys.url }])
    const page = await context.newPage()
    await page.goto(`${sys.url}/wall?lang=en`)
    // English: one alert at a time, full width (titles are long).
    await expect.poll(() => page.getAttribute('[data-testid=wall-ticker]', 'data-count'), { timeout: 30_000 }).toBe('2')
    await expect.poll(() => page.locator('[data-testid=wall-ticker-item]').count()).toBe(1)
    await page.waitForSelector('[data-testid=wall-tile-finance]', { timeout: 30_000 })
    await expect.poll(() => page.textContent('[data-testid=wall]')).toMatch(/Network live status/)
    // Runs in the page (a string: this file is compiled without the DOM library).
    const fit = (await page.evaluate(`(() => {
      const head = document.querySelector('.wall-head');
      const kids = [...head.children].map((c) => c.getBoundingClientRect());
      const titles = [...document.querySelectorAll('.wall-ticker-title')];
      return {
        headOverflow: head.scrollWidth - head.clientWidth,
        rightmost: Math.max(...kids.map((r) => r.right)),
        overlaps: kids.some((r, i) => i > 0 && r.left < kids[i - 1].right - 1),
        cut: titles.filter((t) => t.scrollWidth > t.clientWidth + 1 || t.scrollHeight > t.clientHeight + 1).length,
        finCut: [...document.querySelectorAll('.wall-fin')].filter((f) => f.scrollWidth > f.clientWidth + 1 || f.scrollHeight > f.clientHeight + 1).length,
        fin: document.querySelectorAll('.wall-fin').length,
        labelsCut: [...document.querySelectorAll('.wall-tile')].filter((tile) => {
          const l = tile.querySelector('.wall-tile-label');
          return l && l.getBoundingClientRect().top < tile.getBoundingClientRect().top - 1;
        }).length,
        titles: titles.map((t) => t.textContent),
      };
    })()`)) as {
      headOverflow: number
      rightmost: number
      overlaps: boolean
      cut: number
      finCut: number
      fin: number
      labelsCut: number
      titles: string[]
    }
    expect(fit.headOverflow).toBeLessThanOrEqual(0)
    expect(fit.rightmost).toBeLessThanOrEqual(1920)
    expect(fit.overlaps).toBe(false)
    expect(fit.cut).toBe(0)
    expect(fit.fin).toBe(1) // an admin's wall carries today's money in its header…
    expect(fit.finCut).toBe(0) // …whole, not cut at the strip's edge
    expect(fit.labelsCut).toBe(0) // a tall ticker must not squeeze the tiles' labels out of sight
    expect(long.map(([, t]) => t)).toContain(fit.titles[0])
    await page.screenshot({ path: `${ARTIFACTS}/wall-en-1920x1080.png` })

    // Across a page change (every 8 s) the old page has left before the new one enters,
    // so never more than one page (one item in English) shows.
    const seen = (await page.evaluate(`new Promise((done) => {
      let most = 0, items = 0, changes = 0, last = '';
      const until = performance.now() + 10000;
      const tick = () => {
        const pages = document.querySelectorAll('[data-testid=wall-ticker-page]');
        most = Math.max(most, pages.length);
        items = Math.max(items, document.querySelectorAll('[data-testid=wall-ticker-item]').length);
        const now = [...pages].map((p) => p.textContent).join('|');
        if (now && now !== last) { if (last) changes++; last = now; }
        if (performance.now() < until) requestAnimationFrame(tick); else done({ most, items, changes });
      };
      tick();
    })`)) as { most: number; items: number; changes: number }
    expect(seen.changes).toBeGreaterThanOrEqual(1)
    expect(seen.most).toBe(1)
    expect(seen.items).toBe(1)
    for (const id of ids)
      expect(
        (await call(sys, 'POST', `/api/v1/alerts/${id}/resolve`, { cookie: adminCookie, body: { comment: 'fixed' } }))
          .status,
      ).toBe(200)
    await context.close()
  })

  it('is enrolled by the admin link, draws the map and tiles, and follows posted events', async () => {
    const created = await api(sys, { cookie: adminCookie }).post('/api/v1/displays', {
      status: 201,
      body: { name: 'Hall A left' },
    })
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } })
    const page = await context.newPage()
    await page.goto(`${sys.url}${created.enrollPath}`)
    await page.waitForURL(/\/wall$/)
    await page.waitForSelector('[data-testid=wall-tile-collectedToday] .wall-value')
    await expect.poll(() => page.getAttribute('[data-testid=wall-conn]', 'data-state')).toBe('open')
    expect(await page.isVisible('[data-testid=app-nav]')).toBe(false)
    expect(await page.textContent('[data-testid=wall]')).toMatch(/全网实时监控/)

    const collectedBefore = await tileValue(page, 'collectedToday')
    const inFlightBefore = await tileValue(page, 'inFlight')
    const parcels = await postTraffic()
    const incident = await call(sys, 'POST', '/api/v1/incidents', {
      cookie: adminCookie,
      body: { hub: 'SHA-TC', kind: 'equipment_failure', title: '上海转运中心分拣线故障' },
    })
    expect(incident.status, JSON.stringify(incident.body)).toBe(201)

    await expect.poll(() => tileValue(page, 'collectedToday'), { timeout: 20_000 }).toBe(collectedBefore + parcels)
    expect(await tileValue(page, 'inFlight')).toBe(inFlightBefore + parcels)
    // The incident reaches the ticker over the alerts channel and the critical count tile.
    await expect
      .poll(() => page.textContent('[data-testid=wall-ticker]'), { timeout: 20_000 })
      .toMatch(/上海转运中心分拣线故障/)
    await expect
      .poll(() => page.textContent('[data-testid=wall-alerts-critical]'), { timeout: 20_000 })
      .toMatch(/\b1\b/)
    // The map: drawn (provinces fill a good part of it) with green hubs on it.
    await page.waitForSelector('[data-testid=wall-map] canvas')
    await expect.poll(async () => (await mapInk(page)).drawn, { timeout: 20_000 }).toBeGreaterThan(0.2)
    expect((await mapInk(page)).green).toBeGreaterThan(20)
    // The map snapshot catches up (it is published every few seconds at most): the
    // incident makes SHA-TC bad, the parcels on the road draw flows.
    await expect.poll(() => page.getAttribute('[data-testid=wall-map]', 'data-bad'), { timeout: 30_000 }).toBe('1')
    await expect
      .poll(async () => Number(await page.getAttribute('[data-testid=wall-map]', 'data-flows')), { timeout: 30_000 })
      .toBe(LANES.length)
    expect(await page.getAttribute('[data-testid=wall-map]', 'data-hubs')).toBe('41')
    expect(await page.textContent('[data-testid=wall-legend-bad]')).toBe('1')
    await page.waitForTimeout(1500) // let the flow arrows move off their start points for the picture
    await page.screenshot({ path: `${ARTIFACTS}/wall-1920x1080.png` })

    // 4K: the same wall, larger type (no tiny text), here in English.
    const big = await context.newPage()
    await big.setViewportSize({ width: 3840, height: 2160 })
    await big.goto(`${sys.url}/wall?lang=en`)
    await big.waitForSelector('[data-testid=wall-tile-collectedToday] .wall-value')
    expect(await big.textContent('[data-testid=wall]')).toMatch(/Network live status/)
    await expect.poll(async () => (await mapInk(big)).drawn, { timeout: 20_000 }).toBeGreaterThan(0.2)
    const fontPx = async (p: Page) =>
      parseFloat(
        await p.evaluate<string>(
          `getComputedStyle(document.querySelector('[data-testid=wall-tile-collectedToday] .wall-value')).fontSize`,
        ),
      )
    expect(await fontPx(big)).toBeCloseTo(2 * (await fontPx(page)), 0)
    await big.waitForTimeout(1500)
    await big.screenshot({ path: `${ARTIFACTS}/wall-3840x2160.png` })
    await big.close()

    // Rotation: ?rotate=10 alternates with the trends view.
    await page.goto(`${sys.url}/wall?rotate=10`)
    await page.waitForSelector('[data-testid=wall][data-view=map]')
    await page.waitForSelector('[data-testid=wall][data-view=trends]', { timeout: 20_000 })
    await page.waitForSelector('[data-testid=wall-trends] canvas')
    await page.waitForTimeout(500)
    await page.screenshot({ path: `${ARTIFACTS}/wall-trends-1920x1080.png` })

    // Revoking the display closes its socket: the wall says it is not enrolled, and never asks for a login.
    const list = await api(sys, { cookie: adminCookie }).get('/api/v1/displays')
    const id = list.displays.find((d) => d.name === 'Hall A left')!.id
    expect((await call(sys, 'DELETE', `/api/v1/displays/${id}`, { cookie: adminCookie })).status).toBe(204)
    await page.waitForSelector('[data-testid=wall-not-enrolled]', { timeout: 20_000 })
    expect(new URL(page.url()).pathname).toBe('/wall')
    await context.close()
  })
})
