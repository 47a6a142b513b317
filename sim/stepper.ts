/**
 * The simulator on a virtual clock: the same parcels, lives, incidents and
 * ledger as startSimulator (simulator.ts), but the caller says what time it
 * is and posts what comes due itself. Used by the alert benchmark
 * (bench/alerts.ts) and tests that drive the whole product in simulated time,
 * the way Alertmanager tests with a virtual clock: no sleeping, no real clock.
 *
 * Pure apart from the ledger file (option `ledgerFile`). The random streams
 * are derived from the seed with the same labels as startSimulator's, so the
 * same seed and network give the same parcels.
 */
import type { CourierSeed, HubSeed } from '../server/data/network.ts'
import { createNetwork } from '../server/data/network.ts'
import { createArrivals, type Arrivals } from './clock.ts'
import type { EventInput, ShipmentInput } from './contract.ts'
import { MinHeap } from './heap.ts'
import { applyIncidents, reassignPickup, type IncidentEffect } from './incident-steps.ts'
import {
  SURGE_FACTOR,
  arrivalRate,
  checkTargets,
  incidentsOf,
  scheduleIncidents,
  type Incident,
  type IncidentSpec,
} from './incidents.ts'
import { createLedger, type Ledger } from './ledger.ts'
import { buildLifecycle, type Step } from './lifecycle.ts'
import { createParcelFactory, type Parcel } from './parcels.ts'
import { createRng, deriveSeed } from './random.ts'
import { toEventInput } from './simulator.ts'

export interface StepperOptions {
  hubs: readonly HubSeed[]
  couriers: readonly CourierSeed[]
  seed: number
  /** Simulated epoch ms from which incident offsets count. */
  simStart: number
  /** Collections begin this long before simStart. */
  warmupMs: number
  /** Mean collections per simulated hour (time-of-day shaped). */
  perSimHour: number
  incidents: readonly IncidentSpec[]
  /** 1–8 upper-case letters or digits. */
  runTag: string
  ledgerFile?: string
}

export interface SimStep {
  /** Collection records that came due, to post before the events. */
  shipments: ShipmentInput[]
  /** Scans that came due, oldest first. */
  events: EventInput[]
}

export interface SimStepper {
  readonly incidents: readonly Incident[]
  readonly ledger: Ledger
  /** Everything due by `now` (simulated epoch ms) that was not returned before. */
  advance(now: number): SimStep
  /** Parcels whose life has steps still to come. */
  inFlight(): number
}

interface Live {
  steps: Step[]
  next: number
}

export function createSimStepper(o: StepperOptions): SimStepper {
  if (!/^[A-Z0-9]{1,8}$/.test(o.runTag)) throw new Error('runTag must be 1–8 upper-case letters or digits')
  const incidents = scheduleIncidents(o.incidents, o.simStart)
  const colleagues = checkTargets(incidents, o.hubs, o.couriers)
  const factory = createParcelFactory(
    createRng(deriveSeed(o.seed, 'parcels')),
    createNetwork(o.hubs),
    o.hubs,
    o.couriers,
    o.runTag,
  )
  const lifeRng = createRng(deriveSeed(o.seed, 'lifecycles'))
  const incidentRng = createRng(deriveSeed(o.seed, 'incidents'))
  const arrivals = createArrivals(
    createRng(deriveSeed(o.seed, 'arrivals')),
    o.simStart - o.warmupMs,
    o.perSimHour,
    arrivalRate(incidents),
  )
  const surges: Array<{ incident: Extract<Incident, { kind: 'collection-surge' }>; arrivals: Arrivals }> = incidentsOf(
    incidents,
    'collection-surge',
  ).map((incident, n) => ({
    incident,
    arrivals: createArrivals(
      createRng(deriveSeed(o.seed, `surge-${n}`)),
      incident.from,
      o.perSimHour * factory.originShare(incident.hub) * (SURGE_FACTOR - 1),
    ),
  }))
  const ledger = createLedger({ file: o.ledgerFile, keepParcels: false })
  ledger.schedule(incidents, o.simStart)
  const heap = new MinHeap<Live>()

  function make(parcelIn: Parcel, out: ShipmentInput[], surge?: Incident): void {
    const parcel = incidents.length > 0 ? reassignPickup(parcelIn, incidents, colleagues, incidentRng) : parcelIn
    const life = buildLifecycle(parcel.plan, lifeRng).steps
    const effects: IncidentEffect[] = []
    const changed = applyIncidents(parcel.plan, life, incidents, incidentRng, effects)
    const { waybill, collectedAt } = parcel.plan
    if (surge) ledger.parcel({ waybill, incident: surge, effect: 'surge', delayMs: 0, simAt: collectedAt })
    for (const e of effects) {
      const delayMs = e.effect === 'lost' ? 0 : Math.max(0, changed.at(-1)!.time - life.at(-1)!.time)
      ledger.parcel({ waybill, incident: e.incident, effect: e.effect, delayMs, simAt: collectedAt })
    }
    out.push(parcel.shipment)
    if (changed.length > 0) heap.push(changed[0]!.time, { steps: [...changed], next: 0 })
  }

  return {
    incidents,
    ledger,
    advance(now) {
      // The ledger's wall-clock fields carry simulated time here: there is no other clock.
      ledger.tick(now, now)
      const shipments: ShipmentInput[] = []
      while (arrivals.peek() <= now) make(factory.create(arrivals.take()), shipments)
      for (const { incident, arrivals: extra } of surges) {
        while (extra.peek() <= Math.min(now, incident.to))
          make(factory.create(extra.take(), incident.hub), shipments, incident)
      }
      const events: EventInput[] = []
      for (;;) {
        const key = heap.peekKey()
        if (key === undefined || key > now) break
        const live = heap.pop()!
        events.push(toEventInput(live.steps[live.next]!))
        live.next++
        const following = live.steps[live.next]
        if (following) heap.push(following.time, live)
      }
      ledger.flush()
      return { shipments, events }
    },
    inFlight: () => heap.size,
  }
}
