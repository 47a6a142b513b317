/**
 * Alert benchmark: how well the alerts serve an on-call person, scored against
 * the simulator's ground truth (issue 11).
 *
 * For each seed: a fresh database (the embedded TimescaleDB, or one of its own on
 * the DATABASE_URL server), the demo network, and a
 * simulated week around a public holiday with incidents of every kind at random
 * (bench/lib/alert-scenario.ts). Everything runs on ONE virtual clock, as
 * Alertmanager's tests do: the simulator (sim/stepper.ts) hands over what came
 * due each simulated minute, the server's own ingest code stores it
 * (createShipments, ingestEvents), and the workers' jobs run at their normal
 * cadence in simulated time — the SLA sweep with its escalation every
 * SWEEP_INTERVAL_SECONDS (60 s), the anomaly sweep every 5 min, the embedded
 * database's aggregate refresh — each with `now` = the simulated time. No real
 * time passes between them; nothing is skipped.
 *
 * A page is an alert change the product pushes, sounds and sends by webhook:
 * opened or raised to warning/critical, not muted. Scoring: bench/lib/alert-score.ts.
 *
 *   npm run bench:alerts -- 1 2 3          # seeds (default 1)
 *   --days=7 --rate=240 (parcels per simulated hour) --ledger=FILE --verbose
 *   DATABASE_URL=postgres://…/postgres  a database of its own on that TimescaleDB server instead of
 *   the embedded engine (bench/lib/engine.ts); the report names the engine and the machine's load
 */
import os from 'node:os'
import { parseArgs } from 'node:util'
import { loadConfig } from '../server/config.ts'
import { createLogger } from '../server/lib/logger.ts'
import { openDatabase } from '../server/db/database.ts'
import { migrate } from '../server/db/migrate.ts'
import { upsertCouriers, upsertHubs } from '../server/db/reference-repo.ts'
import { DEMO_COURIERS, DEMO_HUBS } from '../server/data/network.ts'
import { ReferenceData } from '../server/services/reference.ts'
import { CalendarService } from '../server/services/calendar.ts'
import { createSimStepper } from '../sim/stepper.ts'
import { describeIncident, incidentTarget } from '../sim/incidents.ts'
import { BACKLOG_DRAIN_MS, BACKLOG_WAIT_HOURS } from '../sim/incident-steps.ts'
import { engineLine, openBenchTarget } from './lib/engine.ts'
import { runVirtual } from './lib/virtual-run.ts'
import { NON_PAGING_KINDS, PAGING_KINDS, benchNetwork, buildScenario } from './lib/alert-scenario.ts'
import {
  TARGETS,
  combineScores,
  missedTargets,
  scoreRun,
  type PageRecord,
  type RunScore,
  type TruthIncident,
} from './lib/alert-score.ts'

const MINUTE_MS = 60_000
const HOUR_MS = 60 * MINUTE_MS
const DAY_MS = 24 * HOUR_MS
const WARMUP_MS = 5 * DAY_MS
/** Before the sweeps start only the history is stored: in steps this long (scans reach the database up to 15 simulated minutes late then). */
const WARMUP_STEP_MS = 15 * MINUTE_MS
/** Sweeps start this long before the scored week, so it opens on a settled state. */
const SETTLE_MS = 12 * HOUR_MS
/** After the week: time for the last incidents' alerts to resolve. */
const AFTER_MS = 12 * HOUR_MS

/** How long after an incident's end a page can still be its consequence. */
const TAIL_MS: Record<string, number> = {
  'hub-stop': 24 * HOUR_MS,
  'damage-spike': 6 * HOUR_MS,
  'lane-slowdown': 24 * HOUR_MS,
  'hub-slowdown': 24 * HOUR_MS,
  'collection-surge': 24 * HOUR_MS,
  'lane-loss': 96 * HOUR_MS,
  'late-courier': 12 * HOUR_MS,
  'holiday-backlog': 48 * HOUR_MS,
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    days: { type: 'string', default: '7' },
    rate: { type: 'string', default: '180' },
    ledger: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
})
const seeds = (positionals.length > 0 ? positionals : (process.env.BENCH_ALERT_SEEDS ?? '1').split(',')).map((s) =>
  Number(s),
)
if (seeds.some((s) => !Number.isInteger(s) || s < 0)) {
  process.stderr.write('seeds are non-negative integers, e.g. npm run bench:alerts -- 1 2 3\n')
  process.exit(2)
}
const days = Number(values.days)
const perSimHour = Number(values.rate)

interface SeedRun {
  seed: number
  score: RunScore
  wallMs: number
  spent: Record<string, number>
  steps: Record<string, number>
  engine: string
  sweeps: number
  anomalySweeps: number
  escalations: number
  parcels: number
  events: number
  holiday: string
  incidents: string[]
  /** What was scored, so that a run can be scored again (--json): the truth, the pages, the auto-resolutions. */
  truth: TruthIncident[]
  pages: PageRecord[]
  autoResolved: Array<[number, number]>
}

async function openBenchDb(tag: string) {
  const target = await openBenchTarget(tag)
  const log = createLogger('warn')
  // JIT would compile the sweep's one pass over the open parcels anew every minute (~180 of ~300 ms on a server): off, as for OLTP.
  const env = target.env.DATABASE_URL
    ? { ...target.env, DATABASE_URL: withOption(target.env.DATABASE_URL, '-c jit=off') }
    : target.env
  const config = loadConfig({ ...env, LOG_LEVEL: 'warn', EMBEDDED_PG_PROFILE: process.env.EMBEDDED_PG_PROFILE })
  const db = await openDatabase(config, log)
  try {
    await migrate(db.pool, log)
    // A server runs its aggregate policies on the real clock; here they run on the simulated one (below).
    if (!db.embedded)
      await db.pool.query(
        `SELECT delete_job(job_id) FROM timescaledb_information.jobs WHERE proc_name = 'policy_refresh_continuous_aggregate'`,
      )
  } catch (err) {
    await db.close()
    await target.close()
    throw err
  }
  const line = await engineLine(db.pool, db.embedded, config.databaseUrl)
  return {
    db,
    config,
    engine: `${line.replace(/^engine: /, '')}${db.embedded ? '' : ', jit off'}`,
    async close() {
      await db.close()
      await target.close()
    },
  }
}

function withOption(url: string, option: string): string {
  const u = new URL(url)
  u.searchParams.set('options', `${u.searchParams.get('options') ?? ''} ${option}`.trim())
  return u.toString()
}

function incidentHubs(kind: string, target: string | null, courierHub: ReadonlyMap<string, string>): string[] {
  if (target === null) return ['*']
  if (kind === 'late-courier') return [courierHub.get(target) ?? target]
  return target.split('>')
}

function pageHubs(c: { subject: string; hubCode: string | null }): string[] {
  const lane = /^lane:([^>]+)>(.+)$/.exec(c.subject)
  const hubs = lane ? [lane[1]!, lane[2]!] : []
  if (c.hubCode && !hubs.includes(c.hubCode)) hubs.push(c.hubCode)
  return hubs
}

async function runSeed(seed: number): Promise<SeedRun> {
  const wallStart = Date.now()
  const bench = await openBenchDb(`s${seed}`)
  const { db: database, config } = bench
  const db = database.pool
  process.stdout.write(`  engine: ${bench.engine}\n`)
  try {
    const network = benchNetwork(DEMO_HUBS, DEMO_COURIERS)
    await upsertHubs(db, network.hubs)
    await upsertCouriers(db, network.couriers)
    const reference = new ReferenceData(db)
    await reference.load()
    const calendar = new CalendarService(db, config.slaCutoffHour)
    const sla = config.sla
    const scenario = buildScenario(seed, network.hubs, network.couriers, Date.now(), days)
    const stepper = createSimStepper({
      hubs: network.hubs,
      couriers: network.couriers,
      seed,
      simStart: scenario.simStart,
      warmupMs: WARMUP_MS,
      perSimHour,
      incidents: scenario.incidents,
      runTag: `AB${seed % 1_000_000}`,
      ledgerFile: values.ledger,
    })
    const end = scenario.simStart + days * DAY_MS + AFTER_MS
    let lastReport = Date.now()
    const run = await runVirtual({
      db,
      sla,
      reference,
      calendar,
      futureToleranceMs: config.futureToleranceMs,
      stepper,
      from: scenario.simStart - WARMUP_MS,
      sweepFrom: scenario.simStart - SETTLE_MS,
      to: end,
      warmupStepMs: WARMUP_STEP_MS,
      onPage: (c) => {
        if (values.verbose)
          process.stdout.write(
            `  page ${new Date(c.at + 8 * HOUR_MS).toISOString().slice(0, 16)} ${c.severity} ${c.rule} ${c.subject} (${c.itemCount}) #${c.alertId} ${c.action} by the ${c.source}\n`,
          )
      },
      onProgress: (t, spent, steps) => {
        if (!values.verbose || Date.now() - lastReport < 30_000) return
        lastReport = Date.now()
        process.stdout.write(
          `  … ${new Date(t + 8 * HOUR_MS).toISOString().slice(0, 16)} wall ${((Date.now() - wallStart) / 1000).toFixed(0)} s ${seconds(spent)} sweep steps ${seconds(steps)} in flight ${stepper.inFlight()}; load ${loadavg()}\n`,
        )
      },
    })
    const pages: PageRecord[] = run.pages.map((p) => ({
      alertId: p.alertId,
      rule: p.rule,
      hubs: pageHubs(p),
      at: p.at,
      severity: p.severity,
    }))
    const courierHub = new Map(network.couriers.map((c) => [c.code, c.hubCode]))
    // An incident scheduled past the run's end never happened in it (a short --days run keeps
    // the week's schedule, whose holiday falls on day 2-4): it is not counted.
    const truth: TruthIncident[] = stepper.incidents
      .filter((i) => i.from < end)
      .map((i, id) => ({
        id,
        kind: i.kind,
        hubs: incidentHubs(i.kind, incidentTarget(i), courierHub),
        from: i.from,
        to: Math.min(i.to, end),
        // The backlog's last delayed departure: one due at the end of its drain, waiting the longest.
        ...(i.kind === 'holiday-backlog'
          ? { effectTo: i.to + BACKLOG_DRAIN_MS + BACKLOG_WAIT_HOURS[1] * HOUR_MS }
          : {}),
        paging: PAGING_KINDS.includes(i.kind),
      }))
    const score = scoreRun(truth, pages, run.autoResolved, {
      start: scenario.simStart,
      end: scenario.simStart + days * DAY_MS,
      tailMs: TAIL_MS,
    })
    return {
      seed,
      score,
      wallMs: Date.now() - wallStart,
      spent: run.spent,
      steps: run.steps,
      engine: bench.engine,
      sweeps: run.sweeps,
      anomalySweeps: run.anomalySweeps,
      escalations: run.escalations,
      parcels: run.parcels,
      events: run.events,
      holiday: scenario.holiday,
      truth,
      pages,
      autoResolved: [...run.autoResolved],
      incidents: stepper.incidents
        .filter((i) => i.from < end)
        .map(
          (i) =>
            `${describeIncident(i)} (${new Date(i.from + 8 * HOUR_MS).toISOString().slice(5, 16).replace('T', ' ')})`,
        ),
    }
  } finally {
    await bench.close()
  }
}

const seconds = (ms: Record<string, number>) =>
  JSON.stringify(Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, Math.round(v / 100) / 10])))
const loadavg = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')

const pct = (x: number) => `${(100 * x).toFixed(0)} %`
const mins = (ms: number | null) => (ms === null ? '—' : String(Math.round(ms / MINUTE_MS)))

function table(runs: readonly SeedRun[], total: RunScore): string {
  const rows: string[][] = [['', ...runs.map((r) => `seed ${r.seed}`), 'total']]
  const all = [...runs.map((r) => r.score), total]
  rows.push(['recall (paging kinds)', ...all.map((s) => `${pct(s.recall)} (${s.paged}/${s.pagingIncidents})`)])
  for (const k of [...PAGING_KINDS, ...NON_PAGING_KINDS]) {
    rows.push([
      `time to page ${k} p50/max`,
      ...all.map((s) => (s.timeToPage[k]?.n ? `${mins(s.timeToPage[k]!.p50)}/${mins(s.timeToPage[k]!.max)}` : '—')),
    ])
  }
  rows.push(['pages', ...all.map((s) => String(s.pages))])
  rows.push(['precision', ...all.map((s) => `${pct(s.precision)} (${s.explained}/${s.pages})`)])
  rows.push([
    'noise: pages/quiet shift (worst)',
    ...all.map((s) => `${s.noisePerShift.toFixed(1)} (${s.worstQuietShift}) of ${s.quietShifts}`),
  ])
  rows.push(['duplicates', ...all.map((s) => String(s.duplicates))])
  rows.push([
    'auto-resolve lag p50/max (open)',
    ...all.map((s) => `${mins(s.resolveLag.p50)}/${mins(s.resolveLag.max)} (${s.resolveLag.openAtEnd})`),
  ])
  rows.push([
    'escalations',
    ...runs.map((r) => String(r.escalations)),
    String(runs.reduce((a, r) => a + r.escalations, 0)),
  ])
  rows.push([
    'wall time s',
    ...runs.map((r) => (r.wallMs / 1000).toFixed(0)),
    (runs.reduce((a, r) => a + r.wallMs, 0) / 1000).toFixed(0),
  ])
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
  return rows
    .map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '))
    .join('\n')
}

async function main() {
  const runs: SeedRun[] = []
  for (const seed of seeds) {
    process.stdout.write(`alerts: seed ${seed}, ${days} simulated days, ${perSimHour} parcels/simulated hour …\n`)
    const run = await runSeed(seed)
    runs.push(run)
    process.stdout.write(
      `  holiday ${run.holiday}; ${run.parcels} parcels, ${run.events} scans, ${run.sweeps} SLA sweeps, ${run.anomalySweeps} anomaly sweeps in ${(run.wallMs / 1000).toFixed(0)} s (load ${loadavg()})\n`,
    )
    process.stdout.write(`  wall s: ${seconds(run.spent)}; SLA sweep steps: ${seconds(run.steps)}\n`)
    for (const [n, i] of run.incidents.entries()) {
      const o = run.score.outcomes[n]!
      process.stdout.write(
        `  ${i}: ${o.pages} pages, first after ${mins(o.timeToPageMs)} min, resolved ${o.openAtEnd ? 'no' : `${mins(o.resolveLagMs)} min after the end`}\n`,
      )
    }
  }
  const total = combineScores(runs.map((r) => r.score))
  process.stdout.write(
    `\nalerts: engine ${[...new Set(runs.map((r) => r.engine))].join(', ')}; times in simulated minutes\n${table(runs, total)}\n`,
  )
  const missed = missedTargets(total, PAGING_KINDS)
  process.stdout.write(
    missed.length === 0 ? 'alerts: every target met\n' : `alerts: targets missed: ${missed.join('; ')}\n`,
  )
  process.stdout.write(
    `targets: recall ${pct(TARGETS.recall)}, time to page ≤ 15 min (hub-stop, damage-spike) / ≤ ${TARGETS.slowBurnMinutes}, precision ≥ ${pct(TARGETS.precision)}, ≤ ${TARGETS.pagesPerQuietShift} pages per quiet shift, 0 duplicates, auto-resolve ≤ ${TARGETS.resolveLagMinutes} min\n`,
  )
  if (values.json) {
    const { writeFile } = await import('node:fs/promises')
    await writeFile(values.json, JSON.stringify({ runs, total }, null, 1))
  }
}

await main()
