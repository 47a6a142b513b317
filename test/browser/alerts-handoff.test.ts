import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { addUser, call, startTestSystem, USER_PASSWORD, type TestSystem } from '../helpers/system.ts'
import { api } from '../helpers/api.ts'
import { ARTIFACTS } from '../helpers/browser.ts'
import { sharedBrowser } from '../helpers/shared-system.ts'
import { event, minutesAgo, shipment } from '../helpers/builders.ts'
import { runSweep } from '../../server/services/sla-sweep.ts'

let sys: TestSystem
let browser: Browser
let waybills: string[]
const names = ['张伟', '王芳', '刘洋', '陈静']
const hubNames = new Map([['SHA-TC', '上海转运中心']])
const sweep = () => runSweep(sys.database.pool, sys.config.sla, hubNames, new Date())

/** Four parcels collected long ago (deadline past) that went Hangzhou → Shanghai and stopped there. */
async function lateParcels(): Promise<string[]> {
  const list = names.map((name, i) =>
    shipment({
      collectedAt: '2026-11-02T10:00:00+08:00',
      recipient: { name, phone: `1381234000${i}`, address: '上海市浦东新区世纪大道 100 号', city: '上海' },
    }),
  )
  await call(sys, 'POST', '/api/v1/shipments', { token: sys.token, body: list })
  const events = list.flatMap((s) => [
    event(s.waybill, { type: 'collected', hub: 'HGH-O1', courier: 'C-HGH-O1-01', time: minutesAgo(300) }),
    event(s.waybill, { type: 'departed_hub', hub: 'HGH-SC', time: minutesAgo(200) }),
    event(s.waybill, { type: 'arrived_hub', hub: 'SHA-TC', time: minutesAgo(60) }),
  ])
  const r = await api(sys, { token: sys.token }).post('/api/v1/events', { body: events })
  expect(r.accepted, JSON.stringify(r)).toBe(events.length)
  return list.map((s) => s.waybill)
}

beforeAll(async () => {
  if (!existsSync('dist/web/index.html')) throw new Error('Build the dashboard first: npm run build:web')
  ;[sys, browser] = await Promise.all([startTestSystem({ RUN_WORKERS: 'false' }), sharedBrowser()])
  await addUser(sys, 'duty', 'on_call')
  await addUser(sys, 'kefu', 'cs_operator')
  waybills = await lateParcels()
  await sweep()
  // Nobody acknowledged it for 16 minutes: escalated to the manager (level 1).
  await runSweep(sys.database.pool, sys.config.sla, hubNames, new Date(Date.now() + 16 * 60_000))
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
  await page.waitForURL((url) => url.pathname === path)
}

const row = (page: Page, waybill: string) => page.locator(`[data-testid=parcel-row][data-waybill="${waybill}"]`)
const check = (page: Page, waybill: string) => row(page, waybill).locator('[data-testid=parcel-check]')
const noHorizontalScroll = (page: Page) =>
  page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth')

describe('from an alert to its parcels, and on to customer service', () => {
  it('on-call opens a trajectory, hands two parcels over, and customer service follows them up on /track', async () => {
    const [a, b, c, d] = waybills as [string, string, string, string]
    const onCallCtx = await browser.newContext({ viewport: { width: 1920, height: 1080 } })
    const page = await onCallCtx.newPage()
    await signIn(page, 'duty', '/alerts')
    // The list row says the alert went up to the manager.
    await expect
      .poll(() => page.textContent('[data-testid=alert-row][data-hub="SHA-TC"] [data-testid=escalation-badge]'))
      .toMatch(/L1\s*经理/)
    await page.locator('[data-testid=alert-row][data-hub="SHA-TC"]').click()
    await expect.poll(() => page.locator('[data-testid=parcel-row]').count()).toBe(4)

    // The trajectory of a parcel, with places, and a link to the look-up page.
    await row(page, a).locator('[data-testid=parcel-expand]').click()
    const trajectory = page.locator(`[data-testid=parcel-trajectory][data-waybill="${a}"]`)
    await expect.poll(() => trajectory.locator('[data-testid=track-step]').count()).toBe(3)
    expect(await trajectory.locator('[data-testid=step-hub]').allTextContents()).toEqual([
      '上海转运中心',
      '杭州分拣中心',
      '杭州西湖网点',
    ])
    expect(await trajectory.locator('[data-testid=open-in-track]').getAttribute('href')).toBe(`/track?q=${a}`)
    // On-call sees the recipient masked.
    expect(await trajectory.textContent()).toContain('张*')

    // Select all, then none.
    await page.click('[data-testid=select-all]')
    await expect.poll(() => page.textContent('[data-testid=selected-count]')).toMatch(/4\/4/)
    await page.click('[data-testid=select-all]')
    expect(await page.locator('[data-testid=selected-count]').count()).toBe(0)

    // Select three; the export honours the selection.
    for (const w of [b, c, d]) await check(page, w).check()
    expect(await page.evaluate<boolean>('document.querySelector("[data-testid=select-all]").indeterminate')).toBe(true)
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-csv]')])
    const lines = (await readFile(await download.path(), 'utf8'))
      .replace(/^\ufeff/, '')
      .trim()
      .split('\r\n')
    expect(
      lines
        .slice(1)
        .map((l) => l.split(',')[0])
        .sort(),
    ).toEqual([b, c, d].sort())

    // Meanwhile parcel d is delivered and leaves the alert: the server refuses the hand-off, names it, stores nothing.
    await call(sys, 'POST', '/api/v1/events', {
      token: sys.token,
      body: [event(d, { type: 'delivered', hub: 'SHA-O1', signer: '本人', time: minutesAgo(2) })],
    })
    await sweep()
    await page.click('[data-testid=handoff-open]')
    await page.click('[data-testid=handoff-send]')
    await expect.poll(() => page.textContent('[data-testid=handoff-error]')).toMatch(/说明/) // a note is required
    await page.fill('[data-testid=handoff-note]', '请主动致电收件人，说明上海转运中心延误，预计明日送达')
    expect(await page.getAttribute('[data-testid=handoff-note]', 'maxlength')).toBe('2000')
    expect(await page.textContent('[data-testid=handoff-form] [data-testid=text-count]')).toBe('26 / 2000')
    const noteDrafts = `Object.keys(localStorage).filter((k) => k.startsWith('parcelwatch.draft.handoff-note.'))`
    expect(await page.evaluate(noteDrafts)).toHaveLength(1)
    await page.click('[data-testid=handoff-send]')
    await expect.poll(() => page.textContent('[data-testid=handoff-error]')).toContain(d)
    expect((await sys.database.pool.query('SELECT 1 FROM cs_handoffs')).rowCount).toBe(0)

    // Without it: two parcels handed over.
    await check(page, d).uncheck()
    await page.click('[data-testid=handoff-send]')
    await expect.poll(() => page.textContent('[data-testid=handoff-sent]')).toMatch(/2/)
    expect(await page.evaluate(noteDrafts)).toEqual([])
    await expect.poll(() => page.locator('[data-testid=alert-handoff][data-state=open]').count()).toBe(1)
    await page.screenshot({ path: `${ARTIFACTS}/alerts-handoff-1920x1080.png` })

    // The same console on a phone: detail over the screen, selection and trajectory usable.
    const phone = await onCallCtx.newPage()
    await phone.setViewportSize({ width: 390, height: 844 })
    await phone.goto(page.url())
    await phone.waitForSelector('[data-testid=parcel-row]')
    await row(phone, b).locator('[data-testid=parcel-expand]').click()
    await phone.waitForSelector(`[data-testid=parcel-trajectory][data-waybill="${b}"] [data-testid=track-step]`)
    await check(phone, c).check()
    expect(await noHorizontalScroll(phone)).toBe(true)
    await row(phone, b).scrollIntoViewIfNeeded()
    await phone.screenshot({ path: `${ARTIFACTS}/alerts-handoff-390x844.png` })
    await phone.locator(`[data-testid=parcel-trajectory][data-waybill="${b}"]`).scrollIntoViewIfNeeded()
    await phone.screenshot({ path: `${ARTIFACTS}/alerts-trajectory-390x844.png` })

    // Customer service sees the hand-off on /track, with recipients in clear.
    const csCtx = await browser.newContext({ viewport: { width: 1920, height: 1080 } })
    const cs = await csCtx.newPage()
    await signIn(cs, 'kefu', '/track')
    const item = cs.locator('[data-testid=handoff-item]')
    await expect.poll(() => item.count()).toBe(1)
    expect(await cs.textContent('[data-testid=handoff-open-count]')).toBe('1')
    expect(await item.locator('[data-testid=handoff-note-text]').textContent()).toContain('说明上海转运中心延误')
    expect(await item.locator('[data-testid=handoff-alert]').textContent()).toMatch(/上海转运中心/)
    expect((await item.locator('[data-testid=handoff-parcel-link]').allTextContents()).sort()).toEqual([b, c].sort())
    expect(await item.textContent()).toContain('王芳')
    expect(await item.textContent()).toContain('13812340001')

    // A parcel link opens it on the page.
    await item.locator('[data-testid=handoff-parcel-link]', { hasText: c }).click()
    await expect.poll(() => cs.getAttribute('[data-testid=track-parcel]', 'data-waybill')).toBe(c)
    await cs.screenshot({ path: `${ARTIFACTS}/track-handoffs-1920x1080.png` })

    // Mark done: an outcome is required; then it leaves the open list and shows under done.
    await item.locator('[data-testid=handoff-done-open]').click()
    await cs.click('[data-testid=handoff-done-confirm]')
    await expect.poll(() => cs.textContent('[data-testid=handoff-done-error]')).toMatch(/处理结果/)
    await cs.fill('[data-testid=handoff-done-comment]', '已电话联系两位收件人，均同意顺延一天')
    expect(await cs.textContent('.hp-close [data-testid=text-count]')).toBe('18 / 2000')
    // A reload keeps what was written (a draft per hand-off) until it is sent.
    await cs.reload()
    await item.locator('[data-testid=handoff-done-open]').click()
    await expect
      .poll(() => cs.inputValue('[data-testid=handoff-done-comment]'))
      .toBe('已电话联系两位收件人，均同意顺延一天')
    await cs.click('[data-testid=handoff-done-confirm]')
    await cs.waitForSelector('[data-testid=handoff-empty]')
    await cs.click('[data-testid=handoff-tab-done]')
    await expect.poll(() => cs.textContent('[data-testid=handoff-done-info]')).toContain('已电话联系两位收件人')

    // Phone look-up with the panel, in English: no sideways scrolling.
    await csCtx.addInitScript("localStorage.setItem('parcelwatch.lang', 'en')")
    const csPhone = await csCtx.newPage()
    await csPhone.setViewportSize({ width: 390, height: 844 })
    await csPhone.goto(`${sys.url}/track`)
    await csPhone.click('[data-testid=handoff-tab-done]')
    await csPhone.waitForSelector('[data-testid=handoff-item]')
    expect(await csPhone.textContent('[data-testid=handoff-panel]')).toContain('Handed over by on-call')
    await csPhone.screenshot({ path: `${ARTIFACTS}/track-handoffs-390x844.png` })
    expect(await noHorizontalScroll(csPhone)).toBe(true)

    // Back on the console, the alert shows the hand-off as done.
    await page.reload()
    await expect.poll(() => page.locator('[data-testid=alert-handoff][data-state=done]').count()).toBe(1)

    await onCallCtx.close()
    await csCtx.close()
  })
})
