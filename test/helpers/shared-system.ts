import type { Browser } from 'playwright-core'
import { launchBrowser } from './browser.ts'
import { startTestSystem, type TestSystem } from './system.ts'

/**
 * One started product per vitest worker process, shared by the test files that ask for it,
 * instead of one per file. Starting a system (its embedded database, Redis queues, workers'
 * first refreshes) was most of the integration tier's time.
 *
 *   const sys = await sharedTestSystem({ RUN_WORKERS: 'false' })   // in beforeAll
 *
 * Only for files whose data is already namespaced: their own waybills (`newWaybill`),
 * user names no other file uses, and assertions that hold whatever other files stored
 * before them (no global counts, totals, "the only alert", settings or calendar changes,
 * webhooks, failed sign-ins that count towards the shared client IP). Fault, backup,
 * restart, count-sensitive and env-specific files keep `startTestSystem` of their own.
 *
 * Systems are keyed by `env` (so RUN_WORKERS=false files never see a sweep of a
 * worker-running one); `stop()` on the returned system does nothing, so a file's
 * `afterAll(() => sys.stop())` may stay. The system stops when vitest stops the worker
 * (its cleanup hook), or, in a project that isolates files, after the file. The
 * integration and browser projects run with `isolate: false`, which keeps a worker and
 * its modules for the next file (vitest.config.ts).
 */
export async function sharedTestSystem(env: Readonly<Record<string, string>> = {}): Promise<TestSystem> {
  const key = JSON.stringify(Object.entries(env).sort(([a], [b]) => a.localeCompare(b)))
  let entry = shared().systems.get(key)
  if (!entry) {
    entry = startTestSystem({ ...env })
    shared().systems.set(key, entry)
    entry.catch(() => shared().systems.delete(key)) // a failed start is retried by the next file
    onWorkerExit()
  }
  const sys = await entry
  return { ...sys, stop: async () => undefined }
}

/** One Chromium per worker process, as `launchBrowser()`; `close()` on it does nothing (the worker closes it). */
export async function sharedBrowser(): Promise<Browser> {
  const s = shared()
  if (!s.browser) {
    s.browser = launchBrowser()
    s.browser.catch(() => {
      s.browser = undefined
    })
    onWorkerExit()
  }
  const browser = await s.browser
  return new Proxy(browser, {
    get(target, prop, receiver) {
      if (prop === 'close') return async () => undefined
      const v = Reflect.get(target, prop, receiver) as unknown
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
    },
  })
}

interface Shared {
  systems: Map<string, Promise<TestSystem>>
  browser?: Promise<Browser>
  hooked?: boolean
}
const KEY = Symbol.for('parcelwatch.shared-test-systems')

/** On globalThis: with isolate off a worker evaluates test files (and may evaluate this module) again. */
function shared(): Shared {
  const g = globalThis as unknown as { [KEY]?: Shared }
  return (g[KEY] ??= { systems: new Map() })
}

/** vitest's worker state (internal but stable since 1.x): `onCleanup` runs when the pool stops the worker. */
interface WorkerState {
  onCleanup(listener: () => unknown): void
}

function onWorkerExit(): void {
  const s = shared()
  if (s.hooked) return
  const state = (globalThis as unknown as { __vitest_worker__?: WorkerState }).__vitest_worker__
  if (!state?.onCleanup) throw new Error('sharedTestSystem runs inside a vitest worker only')
  s.hooked = true
  state.onCleanup(async () => {
    const systems = [...s.systems.values()]
    const browser = s.browser
    s.systems.clear()
    s.browser = undefined
    await Promise.allSettled([
      ...systems.map(async (p) => (await p).stop()),
      (async () => {
        await (await browser)?.close()
      })(),
    ])
  })
}
