import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createApp, type Health } from '../../server/http/app.ts'
import { AppError } from '../../server/lib/errors.ts'
import { loadConfig } from '../../server/config.ts'
import type { AppContext } from '../../server/context.ts'
import { apiErrorBody } from '../../contract/common.ts'

/**
 * Issue 16 item 7: the client address was taken from X-Forwarded-For whenever the
 * caller was on loopback, so a new value per request never hit the per-IP sign-in
 * limit, and behind the same-machine proxy docs/configuration.md recommends, /metrics'
 * "loopback only" rule let everyone scrape. TRUST_PROXY (express's own trust-proxy
 * setting) now decides. The real express app is served; the sign-in throttle is
 * replaced by a recorder of the client address it is given (the first thing the
 * login route does), so no database is needed to see which address the app believes.
 */

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))))
})

async function serve(env: Record<string, string>): Promise<{ url: string; seen: string[] }> {
  const seen: string[] = []
  const ctx = {
    config: loadConfig({ LOG_LEVEL: 'silent', ...env }),
    metrics: { httpDuration: { observe: () => undefined } },
    log: { debug: () => undefined, error: () => undefined },
    db: {},
    // Whatever the throttle's first call is, it is given the user name and the client address.
    loginThrottle: new Proxy(
      {},
      {
        get:
          () =>
          async (...args: unknown[]) => {
            seen.push(String(args.find((a) => typeof a === 'string' && a !== 'admin')))
            throw new AppError(429, 'too_many_attempts', 'recorded')
          },
      },
    ),
  } as unknown as AppContext
  const health: Health = {
    ready: async () => ({ ok: true, checks: {} }),
    metrics: async () => ({ contentType: 'text/plain', text: 'pw_up 1\n' }),
  }
  const server = createServer(createApp(ctx, health))
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }
}

const signIn = (url: string, forwardedFor: string) =>
  fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
    body: JSON.stringify({ username: 'admin', password: 'whatever-it-is' }),
  })

describe('TRUST_PROXY', () => {
  it('unset: X-Forwarded-For from a loopback caller is ignored; every attempt counts against the socket address', async () => {
    const { url, seen } = await serve({})
    for (const ip of ['203.0.113.1', '203.0.113.2', '198.51.100.7']) expect((await signIn(url, ip)).status).toBe(429)
    expect(seen.length).toBe(3)
    expect(new Set(seen)).toEqual(new Set([seen[0]]))
    expect(seen[0]).toMatch(/127\.0\.0\.1$/)
  })

  it("loopback (a proxy on this machine): the address the proxy forwards is the client's", async () => {
    const { url, seen } = await serve({ TRUST_PROXY: 'loopback' })
    for (const ip of ['203.0.113.1', '203.0.113.2']) await signIn(url, ip)
    expect(seen).toEqual(['203.0.113.1', '203.0.113.2'])
  })

  it('a hop count and "false" follow express\'s semantics', async () => {
    const one = await serve({ TRUST_PROXY: '1' })
    await signIn(one.url, '198.51.100.1, 203.0.113.9')
    expect(one.seen).toEqual(['203.0.113.9'])
    const none = await serve({ TRUST_PROXY: 'false' })
    await signIn(none.url, '203.0.113.9')
    expect(none.seen[0]).toMatch(/127\.0\.0\.1$/)
  })

  it('/metrics without METRICS_TOKEN: served to loopback only while no proxy is trusted; behind a trusted proxy, refused without the token', async () => {
    const direct = await serve({})
    expect((await fetch(`${direct.url}/metrics`)).status).toBe(200)
    const proxied = await serve({ TRUST_PROXY: 'loopback' })
    for (const xff of [undefined, '127.0.0.1', '203.0.113.5']) {
      const r = await fetch(`${proxied.url}/metrics`, { headers: xff ? { 'x-forwarded-for': xff } : {} })
      expect(r.status, String(xff)).toBe(403)
      expect(apiErrorBody.parse(await r.json()).error.message).toContain('METRICS_TOKEN')
    }
    const withToken = await serve({ TRUST_PROXY: 'loopback', METRICS_TOKEN: 'a-metrics-token-for-tests' })
    expect(
      (await fetch(`${withToken.url}/metrics`, { headers: { authorization: 'Bearer a-metrics-token-for-tests' } }))
        .status,
    ).toBe(200)
    expect(
      (await fetch(`${withToken.url}/metrics`, { headers: { authorization: 'Bearer a-metrics-token-for-testX' } }))
        .status,
    ).toBe(403)
  })

  it('refuses a TRUST_PROXY that is not a trust-proxy value, naming it', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'yes please!' })).toThrow(/TRUST_PROXY/)
  })
})
