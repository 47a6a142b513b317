/**
 * Sign-in latency against a running product, e.g. the demo in its first minutes:
 *
 *   ADMIN_PASSWORD=parcelwatch-demo DATA_DIR=$(mktemp -d) PORT=8091 npm run demo &
 *   npx tsx bench/signin-latency.ts --url=http://127.0.0.1:8091 --password=parcelwatch-demo
 *
 * Waits until the product is ingesting (GET /api/v1/kpis has parcels in flight),
 * then signs in --count times (default 20), one at a time, --every seconds apart
 * (default 3), and prints each time and the p50/p95/max. Successful sign-ins do not
 * count towards any lock, so running it twice is fine.
 */
import os from 'node:os'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:8080' },
    user: { type: 'string', default: 'admin' },
    password: { type: 'string', default: 'parcelwatch-demo' },
    count: { type: 'string', default: '20' },
    every: { type: 'string', default: '3' },
  },
})
const url = values.url!
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function signIn(): Promise<{ ms: number; cookie: string; timing: string }> {
  const t0 = performance.now()
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: values.user, password: values.password }),
  })
  const ms = performance.now() - t0
  if (res.status !== 200) throw new Error(`sign-in answered ${res.status}: ${await res.text()}`)
  return { ms, cookie: res.headers.get('set-cookie')!.split(';')[0]!, timing: res.headers.get('server-timing') ?? '' }
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!

for (;;) {
  const ok = await fetch(`${url}/readyz`).then(
    (r) => r.ok,
    () => false,
  )
  if (ok) break
  await sleep(2000)
}
const { cookie } = await signIn()
for (;;) {
  type Kpis = { inFlight?: number; deliveredToday?: number }
  const k: Kpis = await fetch(`${url}/api/v1/kpis`, { headers: { cookie } }).then(
    (r) => r.json() as Promise<Kpis>,
    () => ({}),
  )
  if ((k.inFlight ?? 0) > 0 || (k.deliveredToday ?? 0) > 0) break
  await sleep(2000)
}
console.log(`ingesting; ${values.count} sign-ins ${values.every} s apart`)
const times: number[] = []
for (let i = 0; i < Number(values.count); i++) {
  const { ms, timing } = await signIn()
  times.push(ms)
  // Server-Timing: the user look-up, the hash, the session insert, and the server's total (the rest is the network and the request's queue).
  console.log(`  sign-in ${i + 1}: ${ms.toFixed(0)} ms  (server: ${timing})`)
  await sleep(Number(values.every) * 1000)
}
const sorted = [...times].sort((a, b) => a - b)
console.log(
  `load average ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
)
console.log(
  `sign-in (ms): p50 ${percentile(sorted, 50).toFixed(0)}  p95 ${percentile(sorted, 95).toFixed(0)}  max ${sorted.at(-1)!.toFixed(0)}  (n = ${sorted.length})`,
)
