import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { addUser, startTestSystem, USER_PASSWORD, type TestSystem } from '../helpers/system.ts'
import { api } from '../helpers/api.ts'
import { ARTIFACTS } from '../helpers/browser.ts'
import { sharedBrowser } from '../helpers/shared-system.ts'
import { event, shipment } from '../helpers/builders.ts'
import {
  formatShiftParam,
  previousShift,
  shiftAt,
  shiftStart,
  type Shift,
} from '../../web/src/features/handover/shift.ts'

// The data sits in the previous shift (complete, wholly in the past whatever the time
// of day): S is its start, and everything is stamped in hours from S.
let sys: TestSystem
let browser: Browser
let prev: Shift
let S: number
const at = (h: number) => new Date(S + h * 3_600_000)
const iso = (h: number) => at(h).toISOString()

async function userId(username: string): Promise<number> {
  return (await sys.database.pool.query<{ id: number }>('SELECT id FROM users WHERE username = $1', [username]))
    .rows[0]!.id
}

/** An alert and its history, as the sweeps and the on-call staff left them. */
async function alert(
  rule: string,
  hub: string,
  severity: string,
  title: string,
  history: Array<[number, string, number | null, Record<string, unknown>?]>,
  details = {},
) {
  const opened = history[0]![0]
  const ack = history.find((h) => h[1] === 'acknowledged')
  const res = history.find((h) => h[1] === 'resolved')
  const level = history.some((h) => h[1] === 'escalated') ? 1 : 0
  const r = await sys.database.pool.query<{ id: number }>(
    `INSERT INTO alerts (rule, subject, hub_code, severity, state, title, opened_at, last_seen_at, acknowledged_at, acknowledged_by, resolved_at, resolved_by, escalation_level, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
    [
      rule,
      `${rule}:${hub}`,
      hub,
      severity,
      res ? 'resolved' : ack ? 'acknowledged' : 'open',
      title,
      at(opened),
      ack ? at(ack[0]) : null,
      ack?.[2] ?? null,
      res ? at(res[0]) : null,
      res?.[2] ?? null,
      level,
      details,
    ],
  )
  for (const [h, action, by, d] of history) {
    await sys.database.pool.query(
      'INSERT INTO alert_history (alert_id, at, action, user_id, comment, details) VALUES ($1, $2, $3, $4, $5, $6)',
      [r.rows[0]!.id, at(h), action, by, action === 'resolved' ? '快递员已到岗' : '', d ?? {}],
    )
  }
}

async function craftShift(): Promise<void> {
  const p1 = shipment({ collectedAt: iso(-2), tier: 'express' })
  const p2 = shipment({ collectedAt: iso(-1) })
  const p3 = shipment({ collectedAt: iso(2) })
  const p4 = shipment({ collectedAt: iso(5) })
  const created = await api(sys, { token: sys.token }).post('/api/v1/shipments', { body: [p1, p2, p3, p4] })
  expect(created.accepted, JSON.stringify(created)).toHaveLength(4)
  const events = await api(sys, { token: sys.token }).post('/api/v1/events', {
    body: [
      event(p1.waybill, { type: 'delivered', hub: 'SHA-O1', signer: '本人', time: iso(3) }),
      event(p2.waybill, { type: 'arrived_hub', hub: 'SHA-TC', time: iso(1) }),
      event(p3.waybill, { type: 'exception', hub: 'HGH-SC', reason: 'damaged', time: iso(4) }),
      event(p4.waybill, { type: 'delivered', hub: 'SHA-O1', signer: '本人', time: iso(8) }),
    ],
  })
  expect(events.accepted, JSON.stringify(events)).toBe(4)

  const duty = await userId('duty')
  await alert('parcel_late', 'SHA-TC', 'critical', '上海转运中心 3 件超时', [
    [-1, 'opened', null],
    [1, 'acknowledged', duty],
  ])
  await alert('hub_silent', 'NKG-SC', 'warning', '南京分拣中心无扫描', [
    [2, 'opened', null],
    [2.5, 'escalated', null, { level: 1 }],
  ])
  await alert('courier_late_start', 'HGH-O1', 'info', '快递员 C-HGH-O1-01 晚开工', [
    [3, 'opened', null],
    [6, 'resolved', duty],
  ])
  await alert('incident', 'CAN-TC', 'critical', '台风停运', [[4, 'opened', duty]], {
    kind: 'weather',
    comment: '广州转运中心暂停作业',
  })
}

beforeAll(async () => {
  if (!existsSync('dist/web/index.html')) throw new Error('Build the dashboard first: npm run build:web')
  ;[sys, browser] = await Promise.all([startTestSystem({ RUN_WORKERS: 'false' }), sharedBrowser()])
  prev = previousShift(shiftAt(Date.now()))
  S = shiftStart(prev)
  await addUser(sys, 'room', 'control_room')
  await addUser(sys, 'duty', 'on_call')
  await addUser(sys, 'desk', 'cs_operator')
  await craftShift()
})
afterAll(async () => {
  await browser?.close()
  await sys?.stop()
})

async function signIn(page: Page, username: string, path: string): Promise<void> {
  await page.goto(`${sys.url}${path}`)
  await page.waitForSelector('input[name=username]')
  await page.fill('input[name=username]', username)
  await page.fill('input[name=password]', USER_PASSWORD)
  await page.click('button[type=submit]')
  await page.waitForURL((url) => url.pathname === new URL(path, 'http://x').pathname)
}

const text = (page: Page, selector: string) => page.locator(selector).innerText()
const cell = (page: Page, kpi: string, col: string) =>
  text(page, `[data-testid=kpi-compare] tr[data-kpi="${kpi}"] td[data-col="${col}"]`)
const navLinks = (page: Page) =>
  page.locator('[data-testid=app-nav] a').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')))

describe('shift handover page in Chromium', () => {
  it('shows the control room the previous shift: figures, alerts, holders, incidents; and prints without the nav', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1920, height: 1080 } })
    const page = await ctx.newPage()
    const param = formatShiftParam(prev)
    await signIn(page, 'room', `/handover?shift=${param}`)
    expect(new URL(page.url()).searchParams.get('shift')).toBe(param)
    await page.waitForSelector('[data-testid=handover-kpis]')
    expect(await navLinks(page)).toEqual([
      'nav-live',
      'nav-wall',
      'nav-alerts',
      'nav-track',
      'nav-handover',
      'nav-password',
    ])

    expect(await text(page, '[data-testid=shift-title]')).toContain(prev.kind === 'day' ? '白班' : '夜班')
    expect(await text(page, '[data-testid=shift-state]')).toBe('班次已结束')
    // In flight: P1 and P2 at the start, P2 and P3 at the end.
    expect([await cell(page, 'inFlight', 'start'), await cell(page, 'inFlight', 'end')]).toEqual(['2', '2'])
    expect([await cell(page, 'alerts-critical', 'start'), await cell(page, 'alerts-critical', 'end')]).toEqual([
      '1',
      '2',
    ])
    expect([await cell(page, 'alerts-warning', 'start'), await cell(page, 'alerts-warning', 'end')]).toEqual(['0', '1'])
    expect(await text(page, '[data-kpi=collected] .ho-tile-value')).toBe('2')
    expect(await text(page, '[data-kpi=delivered] .ho-tile-value')).toBe('2')
    expect(await text(page, '[data-kpi=exceptions] .ho-tile-value')).toBe('1')
    expect(await text(page, '[data-testid=on-time] tr[data-tier=express] td[data-col=rate]')).toBe('100%')
    expect(await text(page, '[data-testid=on-time] tr[data-tier=economy] td[data-col=rate]')).toBe('—')

    const holders = await page
      .locator('[data-testid=open-row]')
      .evaluateAll((rows) =>
        rows.map((r) => [r.getAttribute('data-holder'), r.querySelector('[data-testid=holder]')!.textContent!.trim()]),
      )
    expect(holders).toEqual([
      ['acknowledged', 'duty 已确认'],
      ['unowned', '无人认领（待值班确认）'],
      ['escalated', '已升级至经理（第 1 级）'],
    ])
    const totals = async (id: string) => text(page, `[data-testid=${id}] [data-testid=activity-total]`)
    expect([
      await totals('activity-opened'),
      await totals('activity-acknowledged'),
      await totals('activity-resolved'),
      await totals('activity-escalated'),
    ]).toEqual(['3', '1', '1', '1'])
    expect(await text(page, '[data-testid=activity-resolved]')).toContain('快递员已到岗')
    expect(await text(page, '[data-testid=incidents]')).toMatch(/台风停运[\s\S]*天气[\s\S]*duty/)

    await page.screenshot({ path: `${ARTIFACTS}/handover-1920x1080.png` })
    await page.screenshot({ path: `${ARTIFACTS}/handover-1920-full.png`, fullPage: true })
    // Every label has its English twin.
    await page.click('[data-testid=lang-toggle]')
    await expect.poll(() => text(page, '[data-testid=shift-state]')).toBe('Shift ended')
    expect(await text(page, '[data-testid=still-open]')).toMatch(
      /Still open at the end of the shift[\s\S]*Acknowledged by duty[\s\S]*Unowned[\s\S]*Escalated to manager \(level 1\)/,
    )
    await page.screenshot({ path: `${ARTIFACTS}/handover-en-1920x1080.png`, fullPage: true })
    await page.click('[data-testid=lang-toggle]')

    // Print: no nav, no buttons, black on white, nothing wider than an A4 page (794 CSS px).
    await page.setViewportSize({ width: 794, height: 1123 })
    await page.emulateMedia({ media: 'print' })
    expect(await page.locator('[data-testid=app-nav]').isVisible()).toBe(false)
    expect(await page.locator('[data-testid=shift-prev]').isVisible()).toBe(false)
    expect(await page.locator('[data-testid=logout]').isVisible()).toBe(false)
    expect(await page.locator('[data-testid=still-open]').isVisible()).toBe(true)
    const colours = await page.evaluate<string[]>(
      `[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.querySelector('.ho-page')).color]`,
    )
    expect(colours).toEqual(['rgb(255, 255, 255)', 'rgb(0, 0, 0)'])
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(794)
    await page.screenshot({ path: `${ARTIFACTS}/handover-print-a4.png`, fullPage: true })
    const pdf = await page.pdf({ format: 'A4', printBackground: true, path: `${ARTIFACTS}/handover-a4.pdf` })
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length
    expect(pages).toBe(1)
    await ctx.close()
  })

  it('opens the shift now running by default, names it in the URL, and steps back to the previous one', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await ctx.newPage()
    await signIn(page, 'duty', '/handover')
    await expect.poll(() => new URL(page.url()).searchParams.get('shift')).toBe(formatShiftParam(shiftAt(Date.now())))
    await page.waitForSelector('[data-testid=handover-kpis]')
    expect(await text(page, '[data-testid=shift-state]')).toMatch(/^班次进行中，数据截至/)
    expect(await page.locator('[data-testid=shift-next]').isDisabled()).toBe(true)
    // The nav of on-call staff (web/src/nav.ts: the same roles as the API routes behind each page).
    expect(await navLinks(page)).toEqual([
      'nav-live',
      'nav-alerts',
      'nav-track',
      'nav-complaints',
      'nav-handover',
      'nav-password',
    ])
    await page.click('[data-testid=shift-prev]')
    await expect.poll(() => new URL(page.url()).searchParams.get('shift')).toBe(formatShiftParam(prev))
    await expect.poll(() => text(page, '[data-testid=still-open-count]')).toBe('3')
    expect(await page.locator('[data-testid=shift-next]').isDisabled()).toBe(false)
    await ctx.close()
  })

  it('tells customer service the page is not for their role, without asking the server for it', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await ctx.newPage()
    const asked: string[] = []
    page.on('request', (r) => {
      if (r.url().includes('/api/v1/handover')) asked.push(r.url())
    })
    await signIn(page, 'desk', '/handover')
    await page.waitForSelector('[data-testid=not-available]')
    expect(await text(page, '[data-testid=not-available]')).toContain('此页面不对您的角色开放')
    // Customer service: no handover in its nav (web/src/nav.ts).
    expect(await navLinks(page)).toEqual([
      'nav-live',
      'nav-alerts',
      'nav-track',
      'nav-complaints',
      'nav-claims',
      'nav-password',
    ])
    await page.screenshot({ path: `${ARTIFACTS}/handover-not-available-1280x900.png` })
    // Through the nav to a page the role can use, then back: the state follows the page.
    await page.click('[data-testid=nav-track]')
    await page.waitForURL((u) => u.pathname === '/track')
    expect(await page.locator('[data-testid=not-available]').count()).toBe(0)
    expect(asked).toEqual([])
    await ctx.close()
  })
})
