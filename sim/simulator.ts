/**
 * The traffic simulator: invents parcels and plays their lives against the
 * public HTTP API, never the database.
 *
 * Simulated time starts `backlogHours` before the real start and runs `speed`
 * times faster, but never ahead of the real clock (the server refuses events
 * from the future): once caught up it runs at real speed. Collections start a
 * further `warmupHours` earlier, so the first tick already holds parcels in
 * every state. Each parcel's steps are computed up front; the next due step of
 * every live parcel waits in a min-heap by time. Every `flushIntervalMs` the
 * loop posts new collection records (shipments before any of their events),
 * then every step that has come due, in batches of at most 5,000.
 *
 * Incidents (option `incidents`, see incidents.ts) are placed in simulated time
 * from the simulated start and applied to each parcel's steps as it is created
 * (incident-steps.ts), with their own random stream: a run without incidents
 * is the same as before they existed. A collection surge adds a stream of
 * collections at its outlet. What each incident did is kept in a ledger
 * (ledger.ts; option `ledgerFile` appends it to a JSON-lines file).
 */
import { randomInt } from 'node:crypto'
import { createNetwork } from '../server/data/network.ts'
import { createArrivals, createSimClock, type Arrivals } from './clock.ts'
import { ApiError, StoppedError, createApiClient, sleep, type RetryPolicy, type SimLogger } from './client.ts'
import { MAX_EVENTS_PER_CALL, MAX_SHIPMENTS_PER_CALL, type EventInput } from './contract.ts'
import { MinHeap } from './heap.ts'
import { applyIncidents, reassignPickup, type IncidentEffect } from './incident-steps.ts'
import {
  IncidentTargetError,
  SURGE_FACTOR,
  arrivalRate,
  checkTargets,
  describeIncident,
  incidentsOf,
  parseIncidents,
  scheduleIncidents,
  type Incident,
  type IncidentSpec,
} from './incidents.ts'
import { createLedger, type Ledger } from './ledger.ts'
import { buildLifecycle, type Step } from './lifecycle.ts'
import { createParcelFactory, type OpenParcel, type Parcel, type ParcelFactory } from './parcels.ts'
import { remainingSteps } from './resume.ts'
import { createRng, deriveSeed } from './random.ts'
import { HOUR_MS } from './timing.ts'

export interface SimulatorOptions {
  baseUrl: string
  /** An ingest (integrator) API token. */
  token: string
  /** Simulated seconds per real second while catching up. Default 120. */
  speed?: number
  /**
   * New parcels per real second while the clock runs at `speed`; the simulated
   * rate is parcelsPerSecond × 3600 / speed per simulated hour (time-of-day
   * shaped) and stays so after catching up. Default 10.
   */
  parcelsPerSecond?: number
  /** How far behind the real clock simulated time starts. Default 24. */
  backlogHours?: number
  /** Seed of every random choice (the run tag aside). Default: random. */
  seed?: number
  logger?: SimLogger
  /** Collections begin this long before the simulated start, so the first tick already shows every state. Default 48. */
  warmupHours?: number
  /** 1–8 upper-case letters or digits making this run's waybills unique. Default: six random digits. */
  runTag?: string
  /**
   * Events per call, at most the API's MAX_EVENTS_PER_CALL (the default). Each call is one
   * transaction: on the embedded database, which runs one at a time, a smaller batch is a
   * shorter wait for everyone else (the demo sends 1,000).
   */
  eventsPerCall?: number
  /** Pause between flushes. Default 250. */
  flushIntervalMs?: number
  retry?: Partial<RetryPolicy>
  /** Also post a `collected` scan event (the collection record is always posted). Default true. */
  sendCollectedEvent?: boolean
  /**
   * Incidents to inject: a spec such as 'hub-stop:NKG-SC@+10m~6h,late-courier:C-HGH-O1-01'
   * (see incidents.ts) or parsed specs. Offsets count from the simulated start.
   * A bad spec throws at once; a hub or courier the server does not list ends
   * the run as fatal.
   */
  incidents?: string | readonly IncidentSpec[]
  /**
   * Parcels of an existing network (a restarted demo) to carry on from their last
   * stored scan, instead of leaving them where they stopped (see resume.ts).
   */
  resume?: readonly OpenParcel[]
  /** Appends the ledger of ground truth (incidents and the parcels they changed) to this JSON-lines file; see ledger.ts. */
  ledgerFile?: string
}

export interface SimulatorStats {
  /** Parcels of an existing network carried on (option `resume`). */
  resumed: number
  shipments: number
  events: number
  rejected: number
  retries: number
  /**
   * True once simulated time has caught up with the real clock and a tick since then
   * sent everything that was due: the backlog is in, only real-time traffic follows.
   */
  upToDate: boolean
}

export interface SimulatorExit {
  reason: 'stopped' | 'fatal'
  error?: string
}

export interface SimulatorHandle {
  stop(): Promise<void>
  stats(): SimulatorStats
  /** Settles (never rejects) when the loop ends: after stop(), or on a fatal error such as a refused token. */
  done: Promise<SimulatorExit>
  /** The injected incidents with their windows [from, to) in simulated epoch ms. */
  readonly incidents: readonly Incident[]
  /** Ground truth: each incident with its simulated and wall-clock start and end, and each parcel it delayed, damaged or lost. */
  readonly ledger: Ledger
}

interface Live {
  steps: Step[]
  next: number
}

interface NewParcel {
  parcel: Parcel
  steps: Step[]
}

const MAX_NEW_PARCELS_PER_TICK = 5_000
const STOP_GRACE_MS = 2_000
const NOOP_LOGGER: SimLogger = { info: () => undefined, warn: () => undefined }

export function startSimulator(opts: SimulatorOptions): SimulatorHandle {
  const speed = opts.speed ?? 120
  const parcelsPerSecond = opts.parcelsPerSecond ?? 10
  const eventsPerCall = Math.max(1, Math.min(MAX_EVENTS_PER_CALL, opts.eventsPerCall ?? MAX_EVENTS_PER_CALL))
  if (!(speed >= 1)) throw new Error('speed must be at least 1')
  if (!(parcelsPerSecond > 0)) throw new Error('parcelsPerSecond must be positive')
  const logger = opts.logger ?? NOOP_LOGGER
  const seed = opts.seed ?? randomInt(2 ** 31)
  const runTag = opts.runTag ?? String(randomInt(1_000_000)).padStart(6, '0')
  if (!/^[A-Z0-9]{1,8}$/.test(runTag)) throw new Error('runTag must be 1–8 upper-case letters or digits')
  const flushIntervalMs = opts.flushIntervalMs ?? 250
  const sendCollected = opts.sendCollectedEvent ?? true
  const perSimHour = (parcelsPerSecond * 3600) / speed
  const incidentSpecs =
    typeof opts.incidents === 'string' ? parseIncidents(opts.incidents) : [...(opts.incidents ?? [])]

  const counters: SimulatorStats = { resumed: 0, shipments: 0, events: 0, rejected: 0, retries: 0, upToDate: false }
  const abort = new AbortController()
  /** Aborts a request still in flight STOP_GRACE_MS after stop(). */
  const hardAbort = new AbortController()
  const clock = createSimClock({ speed, backlogMs: (opts.backlogHours ?? 24) * HOUR_MS })
  const client = createApiClient({
    baseUrl: opts.baseUrl,
    token: opts.token,
    signal: abort.signal,
    inFlightSignal: hardAbort.signal,
    logger,
    retry: opts.retry,
    onRetry: () => void counters.retries++,
  })
  const heap = new MinHeap<Live>()
  const parcelRng = createRng(deriveSeed(seed, 'parcels'))
  const lifeRng = createRng(deriveSeed(seed, 'lifecycles'))
  const incidents = scheduleIncidents(incidentSpecs, clock.start)
  const incidentRng = createRng(deriveSeed(seed, 'incidents'))
  let colleagues = new Map<string, string[]>()
  const arrivals = createArrivals(
    createRng(deriveSeed(seed, 'arrivals')),
    clock.start - (opts.warmupHours ?? 48) * HOUR_MS,
    perSimHour,
    arrivalRate(incidents),
  )
  const ledger = createLedger({ file: opts.ledgerFile })
  /** One stream of extra collections per collection surge, drawn from its start (after init: it needs the outlet's share). */
  let surges: Array<{ incident: Extract<Incident, { kind: 'collection-surge' }>; arrivals: Arrivals }> = []
  let lastRejectionLog = 0

  function noteRejections(kind: string, count: number, sample: unknown): void {
    if (count === 0) return
    counters.rejected += count
    if (Date.now() - lastRejectionLog < 10_000) return
    lastRejectionLog = Date.now()
    logger.warn({ kind, count, sample }, `the server rejected ${kind}`)
  }

  async function init(): Promise<ParcelFactory> {
    for (let attempt = 1; ; attempt++) {
      try {
        const [hubs, couriers] = [await client.getHubs(), await client.getCouriers()]
        colleagues = checkTargets(incidents, hubs, couriers)
        const factory = createParcelFactory(parcelRng, createNetwork(hubs), hubs, couriers, runTag)
        logger.info(
          {
            seed,
            runTag,
            speed,
            perSimHour: Math.round(perSimHour),
            simStart: new Date(clock.start).toISOString(),
            hubs: hubs.length,
            couriers: couriers.length,
            outlets: factory.outlets.length,
          },
          'simulator started',
        )
        for (const i of incidents) {
          logger.info(
            {
              incident: describeIncident(i),
              from: new Date(i.from).toISOString(),
              to: Number.isFinite(i.to) ? new Date(i.to).toISOString() : null,
            },
            'incident injected',
          )
        }
        ledger.schedule(incidents, Date.now())
        surges = incidentsOf(incidents, 'collection-surge').map((incident, n) => ({
          incident,
          arrivals: createArrivals(
            createRng(deriveSeed(seed, `surge-${n}`)),
            incident.from,
            perSimHour * factory.originShare(incident.hub) * (SURGE_FACTOR - 1),
          ),
        }))
        return factory
      } catch (err) {
        if (err instanceof StoppedError || isFatal(err) || err instanceof IncidentTargetError) throw err
        logger.warn({ attempt, err: String(err) }, 'cannot load the network from the server yet, retrying')
        await sleep(Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5)), abort.signal)
      }
    }
  }

  /** Posts collection records; the lives of accepted parcels start ticking. */
  async function register(parcels: readonly NewParcel[]): Promise<void> {
    for (let i = 0; i < parcels.length; i += MAX_SHIPMENTS_PER_CALL) {
      const chunk = parcels.slice(i, i + MAX_SHIPMENTS_PER_CALL)
      let res
      try {
        res = await client.postShipments(chunk.map((p) => p.parcel.shipment))
      } catch (err) {
        if (!(err instanceof ApiError) || isFatal(err)) throw err
        noteRejections('shipments', chunk.length, err.message)
        continue
      }
      const ok = new Set(res.accepted.map((a) => a.index))
      // A retried batch may have been stored by the attempt whose answer was lost.
      const duplicates = res.rejected.filter((r) => /duplicate|already|exist/i.test(JSON.stringify(r.errors ?? '')))
      for (const r of duplicates) ok.add(r.index)
      noteRejections('shipments', res.rejected.length - duplicates.length, res.rejected.slice(0, 3))
      chunk.forEach(({ steps }, index) => {
        if (!ok.has(index)) return
        counters.shipments++
        if (steps.length > 0) heap.push(steps[0]!.time, { steps, next: 0 })
      })
    }
  }

  async function sendEvents(batch: EventInput[]): Promise<void> {
    try {
      const res = await client.postEvents(batch)
      counters.events += res.accepted
      noteRejections('events', res.rejected.length, res.rejected.slice(0, 3))
    } catch (err) {
      if (!(err instanceof ApiError) || isFatal(err)) throw err
      noteRejections('events', batch.length, err.message)
    }
  }

  /** Sends every step due by `now`, oldest first, in batches. */
  async function flushDue(now: number): Promise<void> {
    let batch: EventInput[] = []
    for (;;) {
      const key = heap.peekKey()
      if (key === undefined || key > now) break
      const live = heap.pop()!
      batch.push(toEventInput(live.steps[live.next]!))
      live.next++
      const following = live.steps[live.next]
      if (following) heap.push(following.time, live)
      if (batch.length >= eventsPerCall) {
        await sendEvents(batch)
        batch = []
      }
    }
    if (batch.length > 0) await sendEvents(batch)
  }

  /** Puts the rest of every open parcel's life on the heap. */
  function resumeOpen(factory: ParcelFactory, open: readonly OpenParcel[]): void {
    const rng = createRng(deriveSeed(seed, 'resume'))
    for (const p of open) {
      const plan = factory.planOf(p)
      const steps = plan ? remainingSteps(plan, p, rng) : []
      if (steps.length === 0) continue
      heap.push(steps[0]!.time, { steps, next: 0 })
      counters.resumed++
    }
    logger.info(
      { open: open.length, resumed: counters.resumed },
      `resuming ${counters.resumed} parcels of the existing network`,
    )
  }

  async function run(): Promise<SimulatorExit> {
    const factory = await init()
    if (opts.resume) resumeOpen(factory, opts.resume)
    let caughtUpLogged = false
    while (!abort.signal.aborted) {
      const tickStart = Date.now()
      const caughtUp = clock.caughtUp()
      const now = clock.now()
      try {
        ledger.tick(now, Date.now())
        const fresh: NewParcel[] = []
        const make = (parcelIn: Parcel, surge?: Incident) => {
          // The life is drawn at once so the random sequence does not depend on the server's answers.
          let parcel = parcelIn
          if (incidents.length > 0) parcel = reassignPickup(parcel, incidents, colleagues, incidentRng)
          const life = buildLifecycle(parcel.plan, lifeRng).steps
          const effects: IncidentEffect[] = []
          const changed = applyIncidents(parcel.plan, life, incidents, incidentRng, effects)
          const { waybill, collectedAt } = parcel.plan
          if (surge) ledger.parcel({ waybill, incident: surge, effect: 'surge', delayMs: 0, simAt: collectedAt })
          for (const e of effects) {
            const delayMs = e.effect === 'lost' ? 0 : Math.max(0, changed.at(-1)!.time - life.at(-1)!.time)
            ledger.parcel({ waybill, incident: e.incident, effect: e.effect, delayMs, simAt: collectedAt })
          }
          fresh.push({ parcel, steps: changed.filter((st) => sendCollected || st.type !== 'collected') })
        }
        while (arrivals.peek() <= now && fresh.length < MAX_NEW_PARCELS_PER_TICK) make(factory.create(arrivals.take()))
        for (const { incident, arrivals: extra } of surges) {
          while (extra.peek() <= Math.min(now, incident.to) && fresh.length < MAX_NEW_PARCELS_PER_TICK) {
            make(factory.create(extra.take(), incident.hub), incident)
          }
        }
        await register(fresh)
        await flushDue(now)
        if (caughtUp && arrivals.peek() > now) counters.upToDate = true
        ledger.flush()
      } catch (err) {
        if (err instanceof StoppedError || isFatal(err)) throw err
        logger.warn({ err: String(err) }, 'simulator tick failed')
      }
      if (!caughtUpLogged && clock.caughtUp()) {
        caughtUpLogged = true
        logger.info({ ...counters, inFlight: heap.size }, 'simulated time has caught up with the real clock')
      }
      await sleep(Math.max(0, flushIntervalMs - (Date.now() - tickStart)), abort.signal)
    }
    return { reason: 'stopped' }
  }

  const done: Promise<SimulatorExit> = run().then(
    (exit) => exit,
    (err: unknown) => {
      if (err instanceof StoppedError || abort.signal.aborted) return { reason: 'stopped' } as const
      logger.warn({ err: String(err) }, 'simulator stopped on a fatal error')
      return { reason: 'fatal', error: String(err) } as const
    },
  )

  return {
    /** Lets a request in flight finish (up to 2 s) so its answer is counted, then ends the loop. */
    async stop() {
      abort.abort()
      const timer = setTimeout(() => hardAbort.abort(), STOP_GRACE_MS)
      await done
      clearTimeout(timer)
    },
    stats: () => ({ ...counters }),
    done,
    incidents,
    ledger,
  }
}

/** Credentials the server refuses: retrying cannot help. */
function isFatal(err: unknown): boolean {
  return err instanceof ApiError && (err.status === 401 || err.status === 403)
}

export function toEventInput(step: Step): EventInput {
  const { time, ...rest } = step
  return { ...rest, time: new Date(time).toISOString() }
}
