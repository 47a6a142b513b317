/**
 * CLI: npx tsx sim/main.ts [--url http://127.0.0.1:8080] [--token T | env SIM_TOKEN]
 *   [--speed 120] [--rate 10] [--seed N] [--backlog 24] [--warmup 48]
 *   [--inject hub-stop:NKG-SC@+10m,damage-spike:DLC-O1@+5m,late-courier:C-HGH-O1-01,holiday-backlog] [--ledger FILE]
 * Prints stats every 10 s through pino; Ctrl-C stops cleanly.
 */
import { parseArgs } from 'node:util'
import pino from 'pino'
import { IncidentSpecError, parseIncidents, type IncidentSpec } from './incidents.ts'
import { startSimulator } from './simulator.ts'

const log = pino({ name: 'sim', level: process.env.LOG_LEVEL ?? 'info' })

function numberArg(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isFinite(n)) {
    log.fatal({ [name]: value }, `--${name} must be a number`)
    process.exit(2)
  }
  return n
}

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:8080' },
    token: { type: 'string' },
    speed: { type: 'string' },
    rate: { type: 'string' },
    seed: { type: 'string' },
    backlog: { type: 'string' },
    warmup: { type: 'string' },
    inject: { type: 'string', multiple: true },
    ledger: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
})

if (values.help) {
  process.stdout.write(
    'usage: tsx sim/main.ts [--url URL] [--token TOKEN] [--speed 120] [--rate 10] [--seed N] [--backlog 24] [--warmup 48] [--inject SPEC] [--ledger FILE]\n' +
      '  --token    ingest API token (or env SIM_TOKEN)\n' +
      '  --speed    simulated seconds per real second until caught up with the real clock\n' +
      '  --rate     new parcels per real second at that speed\n' +
      '  --backlog  hours behind the real clock the simulated clock starts\n' +
      '  --warmup   hours of collections before that, played at once\n' +
      '  --inject   incidents, comma-separated or repeated: kind[:target][@offset][~duration]\n' +
      '             offset in simulated time from the simulated start (default @0, may be negative),\n' +
      '             durations like 30m, 6h, 1h30m, 2d:\n' +
      '               hub-stop:HUB        the hub scans nothing; parcels wait there (default ~6h)\n' +
      '               damage-spike:HUB    10 % of parcels scanned at the hub get a damaged exception (default ~1h)\n' +
      '               late-courier:CODE   the courier scans only 10:00–16:00 Shanghai (default: to the end)\n' +
      '               holiday-backlog     3× collections and slower centres (default ~1d)\n' +
      '               lane-slowdown:A>B   legs from hub A to hub B take 3× as long (default ~6h)\n' +
      '               hub-slowdown:HUB    a sorting/transfer centre at half speed: dwell doubles (default ~6h)\n' +
      "               collection-surge:OUTLET  4× the outlet's collections (default ~3h)\n" +
      '               lane-loss:A>B       every parcel leaving A for B is lost (default ~1h)\n' +
      '             e.g. --inject hub-stop:NKG-SC@+10m~30h,damage-spike:DLC-O1@+5m,late-courier:C-HGH-O1-01\n' +
      '  --ledger   append the ground truth (incidents injected, parcels delayed, damaged or lost) to FILE as JSON lines\n',
  )
  process.exit(0)
}

const token = values.token ?? process.env.SIM_TOKEN
if (!token) {
  log.fatal('an ingest API token is required: --token or env SIM_TOKEN')
  process.exit(2)
}

let incidents: IncidentSpec[] = []
try {
  incidents = parseIncidents((values.inject ?? []).join(','))
} catch (err) {
  if (!(err instanceof IncidentSpecError)) throw err
  log.fatal(`--inject: ${err.message}`)
  process.exit(2)
}

const sim = startSimulator({
  baseUrl: values.url,
  token,
  speed: numberArg('speed', values.speed),
  parcelsPerSecond: numberArg('rate', values.rate),
  seed: numberArg('seed', values.seed),
  backlogHours: numberArg('backlog', values.backlog),
  warmupHours: numberArg('warmup', values.warmup),
  logger: log,
  incidents,
  ledgerFile: values.ledger,
})

const ticker = setInterval(() => log.info(sim.stats(), 'stats'), 10_000)

let stopping = false
async function shutdown(signal: string): Promise<void> {
  if (stopping) return
  stopping = true
  log.info({ signal }, 'stopping')
  await sim.stop()
}
process.on('SIGINT', () => void shutdown('SIGINT'))
process.on('SIGTERM', () => void shutdown('SIGTERM'))

const exit = await sim.done
clearInterval(ticker)
log.info({ ...sim.stats(), ...exit }, 'simulator finished')
process.exitCode = exit.reason === 'fatal' ? 1 : 0
