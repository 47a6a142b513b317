/**
 * Websocket fan-out benchmark: N clients on the `kpi` channel at 2 Hz.
 *
 * Server side is the real LiveHub inside a real server (startSystem, no workers; the
 * embedded database or the DATABASE_URL server, bench/lib/engine.ts), in a child process of its own so that its CPU time is
 * measured apart from the clients'. Baseline, in the same run: a bare `ws`
 * WebSocketServer in another child broadcasting the same frames (JSON.stringify
 * once per push, send to all) to the same number of clients at the same rate. The
 * clients live in a third process. Prints CPU seconds of each server during the
 * window, their ratio (target hub/bare <= 1.5), frames delivered / expected and
 * the resident memory of each server.
 *
 *   npx tsx bench/ws-fanout.ts                       # 1,000 clients, 30 s, 2 rounds per side (bare, hub, hub, bare)
 *   npx tsx bench/ws-fanout.ts --quick               # 100 clients, 5 s (smoke)
 *   BENCH_WS_CLIENTS=2000 BENCH_WS_SECONDS=60 BENCH_WS_ROUNDS=1 npx tsx bench/ws-fanout.ts   (or --clients= --seconds= --rounds=)
 */
import { randomBytes } from 'node:crypto'
import { WebSocket, WebSocketServer } from 'ws'
import type { KpiSnapshot } from '../server/services/kpis.ts'
import {
  cpuSeconds,
  heard,
  option,
  planFileLimit,
  quickMode,
  rssMb,
  runChild,
  sleep,
  startChild,
  tell,
} from './lib/procs.ts'

const PUSH_MS = 500
const CONNECT_CONCURRENCY = 50

/**
 * The KPI picture pushed at tick i: the real snapshot's shape (read from the
 * database once) with a full hour of per-minute figures, as a busy day has, and
 * counters that move from one push to the next. Same function on both sides.
 */
function kpiAt(template: KpiSnapshot, i: number): KpiSnapshot {
  const now = Date.now()
  const minute = now - (now % 60_000)
  const perMinute = Array.from({ length: 61 }, (_, m) => ({
    t: new Date(minute - (60 - m) * 60_000).toISOString(),
    total: 9_000 + ((m * 7919 + i * 13) % 3_000),
    delivered: 1_200 + ((m * 104_729 + i) % 400),
    exceptions: (m * 31 + i) % 25,
  }))
  return {
    ...template,
    at: new Date(now).toISOString(),
    inFlight: 412_345 + i * 17,
    collectedToday: 183_211 + i * 41,
    deliveredToday: 160_002 + i * 37,
    exceptionsToday: 1_203 + (i % 7),
    eventsPerMinute: perMinute[59]!.total,
    perMinute,
  }
}

// ---------------------------------------------------------------- children

/** On each `run` until `stop`: pushes `pushes` frames at 2 Hz and reports this process's CPU time over the window. */
async function pushWindows(publish: (data: KpiSnapshot) => void, clients: () => number): Promise<void> {
  for (;;) {
    const m = await heard<{ type: string; pushes: number; template: KpiSnapshot }>(['run', 'stop'])
    if (m.type === 'stop') return
    await pushWindow(m.pushes, m.template, publish, clients)
  }
}

async function pushWindow(
  pushes: number,
  template: KpiSnapshot,
  publish: (data: KpiSnapshot) => void,
  clients: () => number,
): Promise<void> {
  const rssBefore = rssMb(process.pid)
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  let late = 0
  for (let i = 0; i < pushes; i++) {
    const due = t0 + i * PUSH_MS
    const wait = due - performance.now()
    if (wait > 0) await sleep(wait)
    else if (wait < -50) late++
    publish(kpiAt(template, i))
  }
  const end = t0 + pushes * PUSH_MS // the window closes one period after the last push
  const rest = end - performance.now()
  if (rest > 0) await sleep(rest)
  const cpu = process.cpuUsage(cpu0)
  tell({
    type: 'result',
    userS: cpu.user / 1e6,
    systemS: cpu.system / 1e6,
    elapsedMs: performance.now() - t0,
    pushes,
    late,
    clients: clients(),
    rssBefore,
    rssAfter: rssMb(process.pid),
  })
}

async function hubServer(): Promise<void> {
  // Loaded here, not at the top, so that the bare server and the clients do not carry the product's modules in their memory.
  const { loadConfig } = await import('../server/config.ts')
  const { createLogger } = await import('../server/lib/logger.ts')
  const { startSystem } = await import('../server/system.ts')
  const { kpiSnapshot } = await import('../server/services/kpis.ts')
  const { addUser, login } = await import('../test/helpers/system.ts')
  const { dropPrefix } = await import('./lib/redis-cleanup.ts')
  const { engineLine, openBenchTarget } = await import('./lib/engine.ts')
  const target = await openBenchTarget('fanout')
  const config = loadConfig({
    ...target.env,
    PORT: '0',
    HOST: '127.0.0.1',
    ADMIN_PASSWORD: 'bench-password-0',
    LOG_LEVEL: 'warn',
    QUEUE_PREFIX: `{bwsf${randomBytes(3).toString('hex')}}`,
    RUN_WORKERS: 'false',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  })
  const sys = await startSystem(config, createLogger('warn'))
  try {
    await addUser(sys, 'wallbench', 'control_room')
    const cookie = await login(sys, 'wallbench')
    const template = await kpiSnapshot(sys.database.pool, new Date())
    const engine = await engineLine(sys.database.pool, sys.database.embedded, config.databaseUrl)
    tell({ type: 'ready', url: sys.url, cookie, template, dbPid: sys.database.pid, rss: rssMb(process.pid), engine })
    await pushWindows(
      (data) => sys.hub.publish('kpi', data),
      () => sys.hub.size,
    )
  } finally {
    await sys.close()
    await dropPrefix(sys.redisUrl, config.queuePrefix)
    await target.close()
  }
}

async function bareServer(): Promise<void> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false })
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()))
  const { port } = wss.address() as { port: number }
  tell({ type: 'ready', url: `http://127.0.0.1:${port}`, rss: rssMb(process.pid) })
  let seq = 0
  await pushWindows(
    (data) => {
      const frame = JSON.stringify({ type: 'kpi', seq: ++seq, data }) // the hub's frame shape, serialised once
      for (const c of wss.clients) if (c.readyState === WebSocket.OPEN) c.send(frame)
    },
    () => wss.clients.size,
  )
  for (const c of wss.clients) c.terminate()
  wss.close()
}

const KPI_PREFIX = '{"type":"kpi"'
const SNAPSHOT_SUFFIX = ',"snapshot":true}'

async function clientsProcess(): Promise<void> {
  tell({ type: 'ready' })
  const { url, cookie, count } = await heard<{ url: string; cookie?: string; count: number }>('connect')
  const wsUrl = `${url.replace(/^http/, 'ws')}/ws?channels=kpi`
  const frames = new Array<number>(count).fill(0)
  const sockets: WebSocket[] = []
  let failed = 0
  let closedEarly = 0
  let firstError = ''
  const open = (i: number) =>
    new Promise<void>((resolve) => {
      const ws = new WebSocket(wsUrl, {
        headers: { ...(cookie ? { cookie } : {}), origin: url },
        perMessageDeflate: false,
      })
      ws.on('message', (data: Buffer, isBinary) => {
        // Counts pushed kpi frames without parsing 5 KB of JSON per frame (the clients share the cores with the servers).
        if (isBinary || data.length < KPI_PREFIX.length) return
        if (data.toString('latin1', 0, KPI_PREFIX.length) !== KPI_PREFIX) return
        if (data.toString('latin1', data.length - SNAPSHOT_SUFFIX.length) === SNAPSHOT_SUFFIX) return
        frames[i]!++
      })
      ws.once('open', () => {
        sockets.push(ws)
        resolve()
      })
      ws.once('unexpected-response', (_req, res) => {
        failed++
        firstError ||= `HTTP ${res.statusCode}`
        resolve()
      })
      ws.once('error', (err) => {
        failed++
        firstError ||= err.message
        resolve()
      })
      ws.once('close', () => {
        if (!stopping) closedEarly++
      })
    })
  let stopping = false
  let next = 0
  await Promise.all(
    Array.from({ length: CONNECT_CONCURRENCY }, async () => {
      while (next < count) await open(next++)
    }),
  )
  tell({ type: 'connected', ok: sockets.length, failed, firstError })
  await heard('count')
  const sorted = [...frames].sort((a, b) => a - b)
  tell({
    type: 'counts',
    total: frames.reduce((a, b) => a + b, 0),
    min: sorted[0] ?? 0,
    max: sorted.at(-1) ?? 0,
    closedEarly,
  })
  await heard('stop')
  stopping = true
  for (const ws of sockets) ws.terminate()
}

// ---------------------------------------------------------------- orchestrator

interface SideResult {
  name: string
  cpuS: number
  userS: number
  systemS: number
  elapsedMs: number
  pushes: number
  late: number
  connected: number
  serverClients: number
  delivered: number
  minPerClient: number
  maxPerClient: number
  closedEarly: number
  rssIdle: number
  rssBefore: number
  rssAfter: number
  clientCpuS: number
  expected: number
}

async function main(): Promise<void> {
  const quick = quickMode()
  const CLIENTS = Math.round(option('clients', 'BENCH_WS_CLIENTS', quick ? 100 : 1000))
  const SECONDS = option('seconds', 'BENCH_WS_SECONDS', quick ? 5 : 30)
  const pushes = Math.max(1, Math.round((SECONDS * 1000) / PUSH_MS))
  const ROUNDS = Math.round(option('rounds', 'BENCH_WS_ROUNDS', quick ? 1 : 2))
  const limit = planFileLimit(CLIENTS + 256)
  const self = new URL(import.meta.url)

  const hub = startChild(self, 'hub-server', {}, limit.raiseTo)
  const bare = startChild(self, 'bare-server', {}, limit.raiseTo)
  const children = [hub, bare]
  try {
    const hubReady = await hub.next<{
      url: string
      cookie: string
      template: KpiSnapshot
      rss: number
      dbPid?: number
      engine: string
    }>('ready')
    process.stdout.write(`${hubReady.engine}\n`)
    const bareReady = await bare.next<{ url: string; rss: number }>('ready')
    const frameBytes = Buffer.byteLength(JSON.stringify({ type: 'kpi', seq: 123, data: kpiAt(hubReady.template, 0) }))

    const run = async (
      name: string,
      server: typeof hub,
      url: string,
      rssIdle: number,
      cookie?: string,
    ): Promise<SideResult> => {
      const clients = startChild(self, 'clients', {}, limit.raiseTo)
      children.push(clients)
      await clients.next('ready')
      clients.send({ type: 'connect', url, cookie, count: CLIENTS })
      const conn = await clients.next<{ ok: number; failed: number; firstError: string }>('connected')
      if (conn.failed > 0)
        process.stdout.write(
          `  ${name}: ${conn.failed} of ${CLIENTS} clients failed to connect (first: ${conn.firstError})\n`,
        )
      await sleep(2_000) // hello frames and snapshots settle before the window
      const clientCpu0 = cpuSeconds(clients.pid)
      server.send({ type: 'run', pushes, template: hubReady.template })
      const r = await server.next<{
        userS: number
        systemS: number
        elapsedMs: number
        pushes: number
        late: number
        clients: number
        rssBefore: number
        rssAfter: number
      }>('result', SECONDS * 1000 + 120_000)
      await sleep(1_500) // the last frames reach the clients
      const clientCpuS = cpuSeconds(clients.pid) - clientCpu0
      clients.send({ type: 'count' })
      const counts = await clients.next<{ total: number; min: number; max: number; closedEarly: number }>('counts')
      await clients.stop()
      return {
        name,
        cpuS: r.userS + r.systemS,
        userS: r.userS,
        systemS: r.systemS,
        elapsedMs: r.elapsedMs,
        pushes: r.pushes,
        late: r.late,
        connected: conn.ok,
        serverClients: r.clients,
        delivered: counts.total,
        minPerClient: counts.min,
        maxPerClient: counts.max,
        closedEarly: counts.closedEarly,
        rssIdle,
        rssBefore: r.rssBefore,
        rssAfter: r.rssAfter,
        clientCpuS,
        expected: conn.ok * r.pushes,
      }
    }

    process.stdout.write(
      `websocket fan-out: ${CLIENTS} clients on kpi, 2 Hz for ${SECONDS} s (${pushes} pushes of ${frameBytes.toLocaleString('en')} bytes), ` +
        `${ROUNDS} round(s) per side in ABBA order; ${limit.note}\n`,
    )
    const bares: SideResult[] = []
    const hubs: SideResult[] = []
    const runBare = async () => {
      bares.push(await run('bare ws broadcast', bare, bareReady.url, bareReady.rss))
    }
    const runHub = async () => {
      hubs.push(await run('LiveHub in startSystem', hub, hubReady.url, hubReady.rss, hubReady.cookie))
    }
    for (let r = 0; r < ROUNDS; r++) {
      if (r % 2 === 0) {
        await runBare()
        await runHub()
      } else {
        await runHub()
        await runBare()
      }
    }
    const total = (rs: SideResult[]): SideResult => ({
      ...rs[0]!,
      cpuS: rs.reduce((a, r) => a + r.cpuS, 0),
      userS: rs.reduce((a, r) => a + r.userS, 0),
      systemS: rs.reduce((a, r) => a + r.systemS, 0),
      elapsedMs: rs.reduce((a, r) => a + r.elapsedMs, 0),
      pushes: rs.reduce((a, r) => a + r.pushes, 0),
      late: rs.reduce((a, r) => a + r.late, 0),
      connected: Math.min(...rs.map((r) => r.connected)),
      serverClients: Math.min(...rs.map((r) => r.serverClients)),
      delivered: rs.reduce((a, r) => a + r.delivered, 0),
      minPerClient: Math.min(...rs.map((r) => r.minPerClient)),
      maxPerClient: Math.max(...rs.map((r) => r.maxPerClient)),
      closedEarly: rs.reduce((a, r) => a + r.closedEarly, 0),
      rssBefore: Math.max(...rs.map((r) => r.rssBefore)),
      rssAfter: rs.at(-1)!.rssAfter,
      clientCpuS: rs.reduce((a, r) => a + r.clientCpuS, 0),
      expected: rs.reduce((a, r) => a + r.connected * r.pushes, 0),
    })
    const b = total(bares)
    const h = total(hubs)
    const perRound = hubs.map((x, i) => (x.cpuS / bares[i]!.cpuS).toFixed(2)).join(', ')

    const line = (r: SideResult) => {
      const expected = r.expected
      return [
        `  ${r.name.padEnd(23)}: CPU ${r.cpuS.toFixed(2)} s (user ${r.userS.toFixed(2)} + system ${r.systemS.toFixed(2)}) over ${(r.elapsedMs / 1000).toFixed(1)} s = ${((100 * r.cpuS) / (r.elapsedMs / 1000)).toFixed(1)} % of a core`,
        `  ${''.padEnd(23)}  frames delivered ${r.delivered.toLocaleString('en')} / ${expected.toLocaleString('en')} expected (${((100 * r.delivered) / Math.max(1, expected)).toFixed(2)} %; per client and round min ${r.minPerClient}, max ${r.maxPerClient} of ${pushes}); ${r.connected} clients connected, ${r.serverClients} seen by the server${r.closedEarly ? `, ${r.closedEarly} closed early` : ''}${r.late ? `, ${r.late} pushes > 50 ms late` : ''}`,
        `  ${''.padEnd(23)}  server RSS ${r.rssIdle} MB at start, up to ${r.rssBefore} MB with clients connected, ${r.rssAfter} MB after the last window; clients process used ${r.clientCpuS.toFixed(2)} s CPU`,
      ].join('\n')
    }
    const ratio = h.cpuS / b.cpuS
    process.stdout.write(
      [
        line(b),
        line(h),
        `  ratio CPU hub / bare     : ${ratio.toFixed(2)}  (target <= 1.50: ${ratio <= 1.5 ? 'met' : 'NOT met'}; per round ${perRound})`,
        `  (the hub's server also holds the express app, Redis connections and the pg pool; its database runs in a further process` +
          `${hubReady.dbPid ? `, ${rssMb(hubReady.dbPid)} MB` : ' (a TimescaleDB server)'}, not counted. The hub also sends its 15 s heartbeat frames and 30 s pings; the bare server sends none. 2 shared cores: figures are noisy.)`,
        '',
      ].join('\n'),
    )
  } finally {
    await Promise.all(children.map((c) => c.stop()))
  }
}

const role = process.argv[2]
if (role === 'hub-server') runChild(hubServer)
else if (role === 'bare-server') runChild(bareServer)
else if (role === 'clients') runChild(clientsProcess)
else await main()
