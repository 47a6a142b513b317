/**
 * Customer service finds a parcel the way callers give it: a two-character Chinese
 * name (the commonest in China), a partial name, a name plus the phone's last 4
 * digits. Issue 12, item 2.
 */
import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { addUser, type TestSystem } from '../helpers/system.ts'
import { api } from '../helpers/api.ts'
import { ARTIFACTS, signIn } from '../helpers/browser.ts'
import { sharedBrowser, sharedTestSystem } from '../helpers/shared-system.ts'
import { shipment } from '../helpers/builders.ts'

let sys: TestSystem
let browser: Browser
let page: Page
const person = (name: string, phone: string) => ({
  name,
  phone,
  address: '广东省深圳市南山区科技园路 1 号',
  city: '深圳',
})
const hanMei = shipment({ recipient: person('韩梅', '13600007788') })
const simaLin = shipment({ recipient: person('司马琳', '13600001111') })
const simaYi = shipment({ sender: person('司马懿', '13600002222'), recipient: person('周平', '13600003333') })

beforeAll(async () => {
  if (!existsSync('dist/web/index.html')) throw new Error('Build the dashboard first: npm run build:web')
  ;[sys, browser] = await Promise.all([sharedTestSystem({ RUN_WORKERS: 'false' }), sharedBrowser()])
  await addUser(sys, 'cs-han', 'cs_operator')
  const r = await api(sys, { token: sys.token }).post('/api/v1/shipments', { body: [hanMei, simaLin, simaYi] })
  expect(r.accepted).toHaveLength(3)
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
  await signIn(page, sys.url, 'cs-han', '/track')
  await page.waitForSelector('[data-testid=track-input]')
})
afterAll(async () => {
  await browser?.close()
  await sys?.stop()
})

async function search(q: string): Promise<void> {
  await page.fill('[data-testid=track-input]', q)
  await page.press('[data-testid=track-input]', 'Enter')
}

describe('name search on the look-up page in Chromium', () => {
  it('a customer-service operator finds a parcel by a two-character Chinese name', async () => {
    await search('韩梅')
    await page.waitForSelector(`[data-testid=track-parcel][data-waybill=${hanMei.waybill}]`)
    expect(await page.isVisible('[data-testid=track-error]')).toBe(false)
    // Customer service sees the name in clear.
    await expect.poll(() => page.textContent('[data-testid=track-parcel]')).toContain('韩梅')
    await page.screenshot({ path: `${ARTIFACTS}/track-name-two-characters.png` })
  })

  it('lists recipients and senders for a partial name', async () => {
    await search('司马')
    const rows = page.locator('[data-testid=track-result]')
    await expect.poll(() => rows.count()).toBe(2)
    const listed = await rows.evaluateAll((trs) => trs.map((tr) => tr.querySelector('td')?.textContent?.trim()))
    expect(listed.sort()).toEqual([simaLin.waybill, simaYi.waybill].sort())
  })

  it("narrows a name by the phone's last 4 digits, and names the rule when a name is too short", async () => {
    await search('司马 1111')
    await page.waitForSelector(`[data-testid=track-parcel][data-waybill=${simaLin.waybill}]`)
    await search('司')
    await expect
      .poll(() => page.textContent('[data-testid=track-error]'))
      .toMatch(/姓名至少 2 个字|a name needs 2\+ characters/)
  })
})
