import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { addUser, login, startTestSystem, type TestSystem } from '../helpers/system.ts'
import { ARTIFACTS, signIn } from '../helpers/browser.ts'
import { sharedBrowser } from '../helpers/shared-system.ts'
import { api } from '../helpers/api.ts'
import { shipment } from '../helpers/builders.ts'
import { shanghaiDay } from '../../server/domain/calendar.ts'

let sys: TestSystem
let browser: Browser
const who: Record<string, string> = {}
const DAY_MS = 86_400_000
const day1 = shanghaiDay(new Date(Date.now() - 3 * DAY_MS))
const day2 = shanghaiDay(new Date(Date.now() - 2 * DAY_MS))
const today = shanghaiDay(new Date())
let complaintParcel: ReturnType<typeof shipment>

/** "¥1,234.56" as the finance page shows fen. */
const yuan = (fen: number) =>
  `${fen < 0 ? '-' : ''}¥${Math.floor(Math.abs(fen) / 100).toLocaleString('en-US')}.${String(Math.abs(fen) % 100).padStart(2, '0')}`

beforeAll(async () => {
  if (!existsSync('dist/web/index.html')) throw new Error('Build the dashboard first: npm run build:web')
  ;[sys, browser] = await Promise.all([startTestSystem(), sharedBrowser()])
  for (const [name, role] of [
    ['cs-wang', 'cs_operator'],
    ['fin-zhao', 'finance'],
    ['mgr-qian', 'manager'],
  ] as const) {
    await addUser(sys, name, role)
    who[name] = await login(sys, name)
  }
  const parcels = [
    shipment({ tier: 'express', originHub: 'HGH-O1', collectedAt: `${day1}T09:00:00+08:00`, declaredValueYuan: 300 }),
    shipment({ tier: 'standard', originHub: 'SHA-O1', collectedAt: `${day1}T15:00:00+08:00` }),
    shipment({
      tier: 'economy',
      originHub: 'BJS-O1',
      destinationHub: 'SHA-O1',
      collectedAt: `${day2}T11:00:00+08:00`,
      weightKg: 5,
    }),
    shipment({ tier: 'standard', originHub: 'HGH-O1', collectedAt: `${day2}T20:00:00+08:00` }),
  ]
  complaintParcel = parcels[3]!
  expect((await api(sys, { token: sys.token }).post('/api/v1/shipments', { body: parcels })).accepted).toHaveLength(4)
  await api(sys, { cookie: who['fin-zhao'] }).post('/api/v1/finance/payments', {
    body: { waybills: [parcels[0]!.waybill, parcels[2]!.waybill], state: 'paid' },
  })
  await api(sys, { cookie: who['fin-zhao'] }).post('/api/v1/finance/payments', {
    body: { waybills: [parcels[2]!.waybill], state: 'invoiced' },
  })
  const { claim } = await api(sys, { cookie: who['cs-wang'] }).post('/api/v1/claims', {
    body: { waybill: parcels[0]!.waybill, reason: 'lost' },
  })
  await api(sys, { cookie: who['mgr-qian'] }).post('/api/v1/claims/:id/approve', {
    params: { id: claim.id },
    body: { note: '确认丢失' },
  })
  await api(sys, { cookie: who['fin-zhao'] }).post('/api/v1/claims/:id/pay', {
    params: { id: claim.id },
    body: { paymentRef: 'BANK-20260301-1' },
  })
})
afterAll(async () => {
  await browser?.close()
  await sys?.stop()
})

describe('finance page in Chromium', () => {
  it('shows the crafted totals, drills down to the parcels, and downloads a CSV that holds what the table shows', async () => {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 }, acceptDownloads: true })
    await signIn(page, sys.url, 'fin-zhao', `/finance?from=${day1}&to=${today}`)
    const sums = await api(sys, { cookie: who['fin-zhao'] }).get('/api/v1/finance/summary', {
      query: { from: day1, to: today },
    })
    expect(sums.fees.count).toBe(4)
    expect(sums.compensation.fen).toBe(300_00)
    await page.waitForSelector(`[data-testid=finance-totals][data-from="${day1}"]`)
    expect(await page.textContent('[data-testid=finance-total-fees]')).toBe(yuan(sums.fees.fen))
    expect(await page.textContent('[data-testid=finance-total-paid]')).toBe(yuan(sums.fees.byState.paid.fen))
    expect(await page.textContent('[data-testid=finance-total-invoiced]')).toBe(yuan(sums.fees.byState.invoiced.fen))
    expect(await page.textContent('[data-testid=finance-total-comp]')).toBe(yuan(300_00))
    expect(await page.textContent('[data-testid=finance-total-net]')).toBe(yuan(sums.fees.fen - 300_00))
    // Today's figures arrive over the websocket's finance channel.
    await expect
      .poll(() => page.textContent('[data-testid=finance-today-comp]'), { timeout: 15_000 })
      .toBe(yuan(300_00))

    // Drill-down: the day's fee figure opens the parcels behind it, which add up to it.
    const row = page.locator(`[data-testid=finance-day-row][data-day="${day1}"]`)
    const dayFees = (await row.locator('td').nth(2).textContent())!
    await row.locator('td').nth(2).click()
    await page.waitForSelector('[data-testid=finance-lines]')
    expect(await page.textContent('[data-testid=finance-lines-total]')).toBe(dayFees)
    expect(await page.locator('[data-testid=finance-line]').count()).toBe(2)
    // Finance may not open the look-up page (its API answers them 403): the waybills are plain text, no dead link.
    expect(await page.locator('[data-testid=finance-line] a').count()).toBe(0)
    expect(await page.locator('[data-testid=finance-line]').first().textContent()).toMatch(/PW[A-Z0-9]{6,}/)
    await page.screenshot({ path: `${ARTIFACTS}/finance.png`, fullPage: false })

    // The server tsconfig has no DOM types: the cells are read as plain objects with textContent.
    const shown: string[][] = await page
      .locator('[data-testid=finance-day-row]')
      .evaluateAll((rows) =>
        rows.map((r) =>
          Array.from(r.querySelectorAll('td')).map((td) =>
            String((td as { textContent: string | null }).textContent ?? '').trim(),
          ),
        ),
      )
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=finance-csv-days]')])
    const csv = (await readFile((await download.path())!, 'utf8'))
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
      .map((l) => l.split(','))
    expect(csv[0]).toEqual([
      '日期',
      '件数',
      '运费（元）',
      '未付件数',
      '未付金额（元）',
      '已付件数',
      '已付金额（元）',
      '已开票件数',
      '已开票金额（元）',
      '赔付件数',
      '赔付金额（元）',
      '净额（元）',
    ])
    const money = (s: string) => Math.round(Number(s.replace(/[¥,]/g, '')) * 100)
    // Table columns: day, parcels, fees, unpaid, paid, invoiced, claims, compensation, net.
    expect(
      csv
        .slice(1)
        .map((c) => [
          c[0],
          Number(c[1]),
          money(c[2]!),
          money(c[4]!),
          money(c[6]!),
          money(c[8]!),
          Number(c[9]),
          money(c[10]!),
          money(c[11]!),
        ]),
    ).toEqual(
      shown.map((s) => [
        s[0],
        Number(s[1]),
        money(s[2]!),
        money(s[3]!),
        money(s[4]!),
        money(s[5]!),
        Number(s[6]),
        money(s[7]!),
        money(s[8]!),
      ]),
    )
    expect(csv).toHaveLength(shown.length + 1)

    // A statement for the period: finance generates and reviews, the manager approves.
    await page.click('[data-testid=statement-generate]')
    await page.waitForSelector('[data-testid=statement-row][data-state=draft]')
    await page.click('[data-testid=statement-review]')
    await page.waitForSelector('[data-testid=statement-row][data-state=reviewed]')
    expect(await page.locator('[data-testid=statement-approve]').count()).toBe(0)
    const mgr = await browser.newPage({ viewport: { width: 1920, height: 1080 } })
    await signIn(mgr, sys.url, 'mgr-qian', `/finance?from=${day1}&to=${today}`)
    await mgr.click('[data-testid=statement-approve]')
    await mgr.waitForSelector('[data-testid=statement-row][data-state=approved]')
    await mgr.locator('[data-testid=finance-statements]').scrollIntoViewIfNeeded()
    await mgr.screenshot({ path: `${ARTIFACTS}/finance-statement-approved.png` })
    // The manager opens what was approved: the four parcels and the claim it counts.
    await mgr.click('[data-testid=statement-open]')
    await mgr.waitForSelector('[data-testid=statement-detail][data-kind=fee] [data-testid=statement-line]')
    expect(await mgr.locator('[data-testid=statement-line]').count()).toBe(4)
    // A manager may: each waybill links to the look-up page.
    expect(await mgr.locator('[data-testid=statement-line] a[href^="/track?"]').count()).toBe(4)
    expect(await mgr.textContent('[data-testid=statement-lines-total]')).toBe(yuan(sums.fees.fen))
    expect(await mgr.getAttribute('[data-testid=statement-changes]', 'data-moved')).toBe('false')
    const [statementCsv] = await Promise.all([mgr.waitForEvent('download'), mgr.click('[data-testid=statement-csv]')])
    const feeRows = (await readFile((await statementCsv.path())!, 'utf8'))
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
      .slice(1)
      .map((l) => l.split(','))
    expect(feeRows).toHaveLength(4)
    expect(feeRows.reduce((n, r) => n + Math.round(Number(r[5]) * 100), 0)).toBe(sums.fees.fen)
    await mgr.click('[data-testid=statement-kind-claim]')
    await mgr.waitForSelector('[data-testid=statement-detail][data-kind=claim] [data-testid=statement-line]')
    expect(await mgr.locator('[data-testid=statement-line]').count()).toBe(1)
    expect(await mgr.textContent('[data-testid=statement-lines-total]')).toBe(yuan(300_00))
    await mgr.click('[data-testid=statement-kind-fee]')
    await mgr.waitForSelector('[data-testid=statement-detail][data-kind=fee]')
    await mgr.locator('[data-testid=statement-detail]').scrollIntoViewIfNeeded()
    await mgr.screenshot({ path: `${ARTIFACTS}/finance-statement-lines.png` })
    // The manager's wall shows today's money.
    await mgr.goto(`${sys.url}/wall`)
    await expect.poll(() => mgr.textContent('[data-testid=wall-finance-comp]'), { timeout: 15_000 }).toBe('¥300')
    await mgr.screenshot({ path: `${ARTIFACTS}/wall-finance.png` })
    await mgr.close()
    await page.close()
  }, 180_000)
})

describe('complaints page in Chromium', () => {
  it('opens a complaint from /track, finds it in the list and moves it through its states to closing with satisfaction', async () => {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } })
    await signIn(page, sys.url, 'cs-wang', `/track?waybill=${complaintParcel.waybill}`)
    await page.waitForSelector(`[data-testid=track-parcel][data-waybill=${complaintParcel.waybill}]`)
    await page.click('[data-testid=open-complaint]')
    await page.waitForSelector('[data-testid=complaint-form]')
    expect(await page.inputValue('[data-testid=complaint-waybill]')).toBe(complaintParcel.waybill)
    await page.selectOption('[data-testid=complaint-category]', 'delay')
    await page.fill('[data-testid=complaint-description]', '包裹超过承诺时间仍未送达，客户要求说明原因')
    await page.fill('[data-testid=complaint-contact-name]', '王芳')
    await page.fill('[data-testid=complaint-contact-phone]', '13700001111')
    await page.screenshot({ path: `${ARTIFACTS}/complaint-intake.png` })
    await page.click('[data-testid=complaint-submit]')
    await page.waitForSelector('[data-testid=complaint-detail][data-state=received]')
    const id = await page.getAttribute('[data-testid=complaint-detail]', 'data-id')
    await page.waitForSelector(`[data-testid=complaint-row][data-id="${id}"][data-state=received]`)

    for (const [to, note] of [
      ['analysing', '查询轨迹：在杭州分拣中心滞留'],
      ['coordinating', '已联系分拣中心加急'],
      ['replied', '已电话告知客户预计明天送达'],
    ] as const) {
      await page.selectOption('[data-testid=complaint-to]', to)
      await page.fill('[data-testid=complaint-note]', note)
      await page.click('[data-testid=complaint-move]')
      await page.waitForSelector(`[data-testid=complaint-detail][data-state=${to}]`)
      await page.waitForSelector(`[data-testid=complaint-row][data-id="${id}"][data-state=${to}]`)
    }
    await page.selectOption('[data-testid=complaint-to]', 'closed')
    await page.fill('[data-testid=complaint-note]', '客户确认已收到')
    await page.selectOption('[data-testid=complaint-satisfaction]', '4')
    await page.click('[data-testid=complaint-move]')
    await page.waitForSelector('[data-testid=complaint-detail][data-state=closed]')
    expect(await page.textContent('[data-testid=complaint-satisfaction-shown]')).toContain('4/5')
    expect(await page.locator('[data-testid=complaint-history] tr').count()).toBe(5)
    await page.screenshot({ path: `${ARTIFACTS}/complaint-closed.png` })
    // Closed complaints leave the in-progress list and stay in "all".
    expect(await page.locator(`[data-testid=complaint-row][data-id="${id}"]`).count()).toBe(0)
    await page.click('[data-testid=complaints-tab-all]')
    await page.waitForSelector(`[data-testid=complaint-row][data-id="${id}"][data-state=closed]`)
    const { complaint } = await api(sys, { cookie: who['cs-wang'] }).get('/api/v1/complaints/:id', {
      params: { id: id! },
    })
    expect(complaint).toMatchObject({
      state: 'closed',
      satisfaction: 4,
      waybill: complaintParcel.waybill,
      contactPhone: '13700001111',
    })
    await page.close()
  }, 180_000)

  it('records a payment on parcels picked in a drill-down: they leave the unpaid list and the totals move by their fees', async () => {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } })
    await signIn(page, sys.url, 'fin-zhao', `/finance?from=${day1}&to=${today}`)
    await page.waitForSelector(`[data-testid=finance-totals][data-from="${day1}"]`)
    const finance = api(sys, { cookie: who['fin-zhao'] })
    const before = await finance.get('/api/v1/finance/summary', { query: { from: day1, to: today } })
    await page.click('[data-testid=finance-total-unpaid]')
    await page.waitForSelector('[data-testid=finance-lines] [data-testid=finance-line]')
    const unpaid = await page
      .locator('[data-testid=finance-line]')
      .evaluateAll((rows) => rows.map((r) => (r as unknown as { dataset: Record<string, string> }).dataset.waybill!))
    expect(unpaid.length).toBe(before.fees.byState.unpaid.count)
    const chosen = unpaid[0]!
    const line = (
      await finance.get('/api/v1/finance/fees', { query: { from: day1, to: today, state: 'unpaid', limit: 100 } })
    ).lines.find((l) => l.waybill === chosen)
    if (!line) throw new Error(`${chosen} is not among the unpaid fee lines`)
    const fee = line.feeFen
    expect(await page.isDisabled('[data-testid=mark-paid]')).toBe(true) // nothing picked yet
    await page.locator(`[data-testid=finance-line][data-waybill="${chosen}"] [data-testid=pick]`).check()
    await page.click('[data-testid=mark-paid]')
    await page.waitForFunction(`!document.querySelector('[data-testid=finance-line][data-waybill="${chosen}"]')`)
    expect(await page.locator('[data-testid=finance-line]').count()).toBe(unpaid.length - 1)
    expect(await page.textContent('[data-testid=payment-result]')).toContain('1')
    await expect
      .poll(() => page.textContent('[data-testid=finance-total-paid]'))
      .toBe(yuan(before.fees.byState.paid.fen + fee))
    expect(await page.textContent('[data-testid=finance-total-unpaid]')).toBe(
      yuan(before.fees.byState.unpaid.fen - fee),
    )
    await page.screenshot({ path: `${ARTIFACTS}/finance-payment.png` })
    const look = (
      await finance.get('/api/v1/finance/fees', { query: { from: day1, to: today, state: 'paid', limit: 100 } })
    ).lines
    expect(look.map((l) => l.waybill)).toContain(chosen)
    await page.close()
  }, 120_000)
})
