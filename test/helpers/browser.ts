import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { chromium, type Browser, type Page } from 'playwright-core'
import { USER_PASSWORD } from './system.ts'

export const ARTIFACTS = 'artifacts/screenshots'

/** Debian's chromium, with the flags that keep it off the (closed) network. */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
  if (!existsSync(executablePath))
    throw new Error(`No Chromium at ${executablePath}: apt-get install chromium (or set CHROMIUM_PATH)`)
  await mkdir(ARTIFACTS, { recursive: true })
  const browser = await chromium.launch({
    executablePath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  // The product's CSP (script-src 'self') forbids eval, and Playwright evaluates the tests' string
  // predicates (waitForFunction) with eval in the page: contexts bypass the CSP unless a test asks
  // for it (`bypassCSP: false`, as test/browser/browser-defences.test.ts does to check the CSP itself).
  const newContext = browser.newContext.bind(browser)
  browser.newContext = (options = {}) => newContext({ bypassCSP: true, ...options })
  const newPage = browser.newPage.bind(browser)
  browser.newPage = (options = {}) => newPage({ bypassCSP: true, ...options })
  return browser
}

/** Opens `path` of the product at `baseUrl`, signs in at the login page it is sent to, and waits to be back on `path`. */
export async function signIn(page: Page, baseUrl: string, username: string, path: string): Promise<void> {
  await page.goto(`${baseUrl}${path}`)
  await page.waitForURL(/\/login/)
  await page.fill('input[name=username]', username)
  await page.fill('input[name=password]', USER_PASSWORD)
  await page.press('input[name=password]', 'Enter')
  await page.waitForURL((u) => u.pathname === path.split('?')[0])
}

/*
 * The few DOM shapes the tests' page functions (locator.evaluate/evaluateAll) read. The tests compile for
 * Node, without the DOM lib, so Playwright's element types name nothing there: these say what a function uses.
 */
export interface PageCell {
  readonly textContent: string | null
}
export interface PageRow {
  querySelectorAll(selectors: 'td'): Iterable<PageCell>
}
export interface PageCanvas {
  readonly width: number
  readonly height: number
  getContext(contextId: '2d'): {
    getImageData(sx: number, sy: number, sw: number, sh: number): { readonly data: Uint8ClampedArray }
  } | null
}
