import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { addUser, startTestSystem, type TestSystem } from '../helpers/system.ts'
import { api } from '../helpers/api.ts'
import { ARTIFACTS, signIn } from '../helpers/browser.ts'
import { sharedBrowser } from '../helpers/shared-system.ts'
import { shipment } from '../helpers/builders.ts'
import { shanghaiDay } from '../../server/domain/calendar.ts'

// A damaged parcel's claim through three people's hands in the browser: customer service
// opens it, a manager settles the share agreed with the customer, finance pays; the
// finance page then shows the payment as today's compensation.
let sys: TestSystem
let browser: Browser
const parcel = shipment({ tier: 'standard', declaredValueYuan: 800 })

beforeAll(async () => {
  if (!existsSync('dist/web/index.html')) throw new Error('Build the dashboard first: npm run build:web')
  ;[sys, browser] = await Promise.all([startTestSystem(), sharedBrowser()])
  for (const [name, role] of [
    ['cs-li', 'cs_operator'],
    ['mgr-sun', 'manager'],
    ['fin-zhou', 'finance'],
  ] as const)
    await addUser(sys, name, role)
  expect((await api(sys, { token: sys.token }).post('/api/v1/shipments', { body: [parcel] })).accepted).toHaveLength(1)
})
afterAll(async () => {
  await browser?.close()
  await sys?.stop()
})

describe('claims in Chromium', () => {
  it("opens a damaged parcel's claim, approves it at the agreed share, pays it, and finds it in today's compensation", async () => {
    const cs = await browser.newPage({ viewport: { width: 1600, height: 900 } })
    await signIn(cs, sys.url, 'cs-li', `/claims?new=1&waybill=${parcel.waybill}`)
    expect(await cs.inputValue('[data-testid=claim-waybill]')).toBe(parcel.waybill)
    await cs.selectOption('[data-testid=claim-reason]', 'damaged')
    await cs.click('[data-testid=claim-submit]')
    await cs.waitForSelector('[data-testid=claim-detail][data-state=open]')
    expect(await cs.textContent('[data-testid=claim-amount]')).toBe('¥800.00') // declared value, whole share
    const id = new URL(cs.url()).searchParams.get('id')
    expect(id).toMatch(/^\d+$/)
    await cs.waitForSelector(`[data-testid=claim-row][data-id="${id}"][data-state=open]`)
    // Customer service cannot decide.
    expect(await cs.locator('[data-testid=claim-approve]').count()).toBe(0)
    await cs.close()

    const mgr = await browser.newPage({ viewport: { width: 1600, height: 900 } })
    await signIn(mgr, sys.url, 'mgr-sun', `/claims?id=${id}`)
    await mgr.waitForSelector('[data-testid=claim-detail][data-state=open]')
    expect(await mgr.inputValue('[data-testid=claim-share]')).toBe('100')
    await mgr.fill('[data-testid=claim-share]', '40')
    await mgr.waitForFunction(`document.querySelector('[data-testid=claim-agreed-amount]')?.textContent === '¥320.00'`)
    expect(await mgr.isDisabled('[data-testid=claim-approve]')).toBe(true) // a note is required
    await mgr.fill('[data-testid=claim-note]', '与客户协商按 40% 赔付')
    await mgr.screenshot({ path: `${ARTIFACTS}/claim-approve.png` })
    await mgr.click('[data-testid=claim-approve]')
    await mgr.waitForSelector('[data-testid=claim-detail][data-state=approved]')
    expect(await mgr.textContent('[data-testid=claim-amount]')).toBe('¥320.00')
    expect(await mgr.textContent('[data-testid=claim-detail]')).toContain('100% → 40%')
    await mgr.close()

    const fin = await browser.newPage({ viewport: { width: 1600, height: 900 } })
    await signIn(fin, sys.url, 'fin-zhou', `/claims?id=${id}`)
    await fin.waitForSelector('[data-testid=claim-detail][data-state=approved]')
    expect(await fin.isDisabled('[data-testid=claim-pay]')).toBe(true) // the payment reference is required
    await fin.fill('[data-testid=claim-payment-ref]', 'BANK-20261127-7')
    await fin.click('[data-testid=claim-pay]')
    await fin.waitForSelector('[data-testid=claim-detail][data-state=paid]')
    await fin.screenshot({ path: `${ARTIFACTS}/claim-paid.png` })

    const today = shanghaiDay(new Date())
    await fin.goto(`${sys.url}/finance?from=${today}&to=${today}`)
    await fin.waitForFunction(`document.querySelector('[data-testid=finance-total-comp]')?.textContent === '¥320.00'`)
    await fin.waitForFunction(`document.querySelector('[data-testid=finance-today-comp]')?.textContent === '¥320.00'`)
    // The live channel's snapshot, replayed when the socket connects, may be older than
    // what the page fetched: it must not put the old figure back.
    await fin.waitForTimeout(2_000)
    expect(await fin.textContent('[data-testid=finance-today-comp]')).toBe('¥320.00')
    await fin.screenshot({ path: `${ARTIFACTS}/claim-in-finance.png` })
    await fin.close()
  }, 180_000)

  it('says in Chinese that a parcel already has a claim, and keeps a complaint draft across a reload until it is sent', async () => {
    const cs = await browser.newPage({ viewport: { width: 1600, height: 900 } })
    await signIn(cs, sys.url, 'cs-li', `/claims?new=1&waybill=${parcel.waybill}`)
    await cs.click('[data-testid=claim-submit]')
    // The first test opened a claim for this parcel: the server's 409 claim_exists, in the reader's language.
    await expect.poll(() => cs.textContent('[data-testid=claim-form] [role=alert]')).toMatch(/已有未被驳回的理赔/)
    expect(await cs.textContent('[data-testid=claim-form]')).not.toMatch(/already has a claim/)

    await cs.goto(`${sys.url}/complaints?new=1&waybill=${parcel.waybill}`)
    await cs.waitForSelector('[data-testid=complaint-description]')
    expect(await cs.getAttribute('[data-testid=complaint-description]', 'maxlength')).toBe('4000')
    await cs.fill('[data-testid=complaint-description]', '客户说包裹三天没有动静')
    await expect.poll(() => cs.textContent('[data-testid=complaint-form] [data-testid=text-count]')).toBe('11 / 4000')
    await cs.reload()
    await cs.waitForSelector('[data-testid=complaint-description]')
    expect(await cs.inputValue('[data-testid=complaint-description]')).toBe('客户说包裹三天没有动静')
    await cs.click('[data-testid=complaint-submit]')
    await cs.waitForSelector('[data-testid=complaint-detail]')
    await cs.goto(`${sys.url}/complaints?new=1`)
    await cs.waitForSelector('[data-testid=complaint-description]')
    expect(await cs.inputValue('[data-testid=complaint-description]')).toBe('') // sent: the draft is gone
    await cs.close()
  })
})
