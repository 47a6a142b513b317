import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { ADMIN_PASSWORD, type TestSystem } from '../helpers/system.ts'
import { ARTIFACTS } from '../helpers/browser.ts'
import { sharedBrowser, sharedTestSystem } from '../helpers/shared-system.ts'

let sys: TestSystem
let browser: Browser

beforeAll(async () => {
  if (!existsSync('dist/web/index.html')) throw new Error('Build the dashboard first: npm run build:web')
  ;[sys, browser] = await Promise.all([sharedTestSystem({ RUN_WORKERS: 'false' }), sharedBrowser()])
})
afterAll(async () => {
  await browser?.close()
  await sys?.stop()
})

describe('the People page in Chromium', () => {
  it('lets an admin add a colleague who signs in with the one-time password and must choose a new one', async () => {
    const admin = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    await admin.goto(`${sys.url}/people`)
    await admin.waitForURL(/\/login/)
    await admin.fill('input[name=username]', 'admin')
    await admin.fill('input[name=password]', ADMIN_PASSWORD)
    await admin.click('[data-testid=login-submit]')
    await admin.waitForURL(/\/people/)
    await admin.waitForSelector('[data-testid=nav-people]')
    await admin.waitForSelector('[data-testid=person-admin]')

    await admin.fill('[data-testid=people-create] input[name=username]', 'chen.jing')
    await admin.fill('[data-testid=people-create] input[name=displayName]', '陈静')
    await admin.selectOption('[data-testid=people-create] select[name=role]', 'cs_operator')
    await admin.click('[data-testid=people-create-submit]')
    const otp = (await admin.textContent('[data-testid=people-otp]'))!.trim()
    expect(otp).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/)
    await admin.waitForSelector('[data-testid="person-chen.jing"]')
    expect(await admin.textContent('[data-testid="person-chen.jing"]')).toContain('陈静')
    await admin.screenshot({ path: `${ARTIFACTS}/people-page.png`, fullPage: true })

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    const colleague = await context.newPage()
    await colleague.goto(`${sys.url}/track`)
    await colleague.waitForURL(/\/login/)
    await colleague.fill('input[name=username]', 'chen.jing')
    await colleague.fill('input[name=password]', otp)
    await colleague.click('[data-testid=login-submit]')
    await colleague.waitForURL(/\/password/)
    await colleague.waitForSelector('[data-testid=password-forced]')
    await colleague.fill('input[name=currentPassword]', otp)
    await colleague.fill('input[name=newPassword]', 'chen jing picks this')
    await colleague.fill('input[name=newPasswordAgain]', 'chen jing picks this')
    await colleague.press('input[name=newPasswordAgain]', 'Enter')
    await colleague.waitForURL(/\/live/)
    await colleague.goto(`${sys.url}/track`)
    await colleague.waitForSelector('[data-testid=track-input]')

    // Back on the admin's page: the colleague has signed in and is active.
    await admin.reload()
    const row = admin.locator('[data-testid="person-chen.jing"]')
    await row.waitFor()
    expect(await row.textContent()).not.toContain('从未登录')
    await context.close()
    await admin.close()
  })

  it("lets an admin change a person's role and hub: the row shows them, and the change is audited", async () => {
    const created = await sys.database.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM users WHERE username = 'sun.li'`,
    )
    expect(created.rows[0]!.n).toBe(0)
    const admin = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    admin.on('dialog', (d) => void d.accept())
    await admin.goto(`${sys.url}/login`)
    await admin.fill('input[name=username]', 'admin')
    await admin.fill('input[name=password]', ADMIN_PASSWORD)
    await admin.click('[data-testid=login-submit]')
    await admin.waitForURL(/\/live/)
    await admin.goto(`${sys.url}/people`)
    await admin.fill('[data-testid=people-create] input[name=username]', 'sun.li')
    await admin.fill('[data-testid=people-create] input[name=displayName]', '孙丽')
    await admin.selectOption('[data-testid=people-create] select[name=role]', 'on_call')
    await admin.click('[data-testid=people-create-submit]')
    const row = admin.locator('[data-testid="person-sun.li"]')
    await row.waitFor()
    expect(await row.locator('[data-testid=person-role]').textContent()).toBe('值班')

    await row.locator('[data-testid=person-edit]').click()
    await row.locator('[data-testid=person-edit-role]').selectOption('control_room')
    await row.locator('[data-testid=person-edit-hub]').selectOption('SHA-TC')
    await admin.screenshot({ path: `${ARTIFACTS}/people-edit.png`, fullPage: true })
    await row.locator('[data-testid=person-save]').click()
    await admin.waitForFunction(
      `document.querySelector('[data-testid="person-sun.li"] [data-testid=person-role]')?.textContent === '监控中心'`,
    )
    expect(await row.locator('[data-testid=person-hub]').textContent()).toContain('SHA-TC')

    const stored = await sys.database.pool.query<{ role: string; hub_code: string | null }>(
      `SELECT role, hub_code FROM users WHERE username = 'sun.li'`,
    )
    expect(stored.rows[0]).toEqual({ role: 'control_room', hub_code: 'SHA-TC' })
    const audit = await sys.database.pool.query<{ action: string; username: string }>(
      `SELECT action, username FROM audit_log WHERE target = 'sun.li' AND action = 'user.update'`,
    )
    expect(audit.rows).toEqual([{ action: 'user.update', username: 'admin' }])

    // Back to all hubs; nothing changed means no request and no audit entry.
    await row.locator('[data-testid=person-edit]').click()
    await row.locator('[data-testid=person-edit-hub]').selectOption('')
    await row.locator('[data-testid=person-save]').click()
    await admin.waitForFunction(
      `document.querySelector('[data-testid="person-sun.li"] [data-testid=person-hub]')?.textContent === '全网'`,
    )
    await row.locator('[data-testid=person-edit]').click()
    await row.locator('[data-testid=person-save]').click()
    await row.locator('[data-testid=person-edit]').waitFor()
    const audits = await sys.database.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_log WHERE target = 'sun.li' AND action = 'user.update'`,
    )
    expect(audits.rows[0]!.n).toBe(2)
    await admin.close()
  })
})

describe('the sign-in page in Chromium', () => {
  it('says it is signing in, with the button disabled, until the server answers', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    // Hold the sign-in request until the page has been looked at, as a busy server would.
    let release!: () => void
    const held = new Promise<void>((r) => {
      release = r
    })
    await page.route('**/api/v1/auth/login', async (route) => {
      await held
      await route.continue()
    })
    await page.goto(`${sys.url}/login`)
    await page.fill('input[name=username]', 'admin')
    await page.fill('input[name=password]', ADMIN_PASSWORD)
    await page.click('[data-testid=login-submit]')
    await page.waitForSelector('[data-testid=login-pending]')
    expect(await page.textContent('[data-testid=login-pending]')).toBe('正在登录…')
    expect(await page.isDisabled('[data-testid=login-submit]')).toBe(true)
    expect(await page.getAttribute('[data-testid=login-submit]', 'aria-busy')).toBe('true')
    await page.screenshot({ path: `${ARTIFACTS}/login-pending.png` })
    release()
    await page.waitForURL(/\/live/)
    expect(await page.locator('[data-testid=login-pending]').count()).toBe(0)
    await page.close()
  })
})
