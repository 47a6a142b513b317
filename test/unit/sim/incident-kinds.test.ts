import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DEMO_COURIERS, DEMO_HUBS, createNetwork } from '../../../server/data/network.ts'
import { applyIncidents, type IncidentEffect } from '../../../sim/incident-steps.ts'
import {
  HUB_SLOWDOWN_FACTOR,
  IncidentSpecError,
  IncidentTargetError,
  LANE_SLOWDOWN_FACTOR,
  SURGE_FACTOR,
  checkTargets,
  describeIncident,
  parseIncidents,
  scheduleIncidents,
  type Incident,
  type IncidentSpec,
} from '../../../sim/incidents.ts'
import { createLedger, readLedgerLines } from '../../../sim/ledger.ts'
import { buildLifecycle, eventId, type Step } from '../../../sim/lifecycle.ts'
import { createParcelFactory, type Parcel } from '../../../sim/parcels.ts'
import { createRng } from '../../../sim/random.ts'
import { startSimulator, type SimulatorHandle } from '../../../sim/simulator.ts'
import { startFakeApi, type FakeApi } from './fake-api.ts'

const MIN = 60_000
const HOUR = 3_600_000
const DAY = 24 * HOUR
/** Tuesday 2025-06-03 00:00 in Shanghai. */
const T0 = Date.UTC(2025, 5, 2, 16)
const net = createNetwork(DEMO_HUBS)

interface Case {
  parcel: Parcel
  steps: readonly Step[]
  seq: number
}

function parcels(n: number, days: number, seed = 3): Case[] {
  const factory = createParcelFactory(createRng(seed), net, DEMO_HUBS, DEMO_COURIERS, '777777')
  const life = createRng(seed + 1)
  return Array.from({ length: n }, (_, seq) => {
    const parcel = factory.create(T0 + (seq / n) * days * DAY)
    return { parcel, steps: buildLifecycle(parcel.plan, life).steps, seq }
  })
}

const CASES = parcels(6000, 3)
const at = (specs: IncidentSpec[]): Incident[] => scheduleIncidents(specs, T0)
const apply = (c: Case, incidents: Incident[], effects?: IncidentEffect[]) =>
  applyIncidents(c.parcel.plan, c.steps, incidents, createRng(1000 + c.seq), effects)

/** The busiest centre-to-centre leg among the cases. */
function busiestLeg(): [string, string] {
  const counts = new Map<string, number>()
  for (const c of CASES) {
    c.steps.forEach((s, i) => {
      const b = c.steps[i - 1]
      if (
        b &&
        s.type === 'arrived_hub' &&
        b.type === 'departed_hub' &&
        !b.hub.includes('-O') &&
        !s.hub.includes('-O')
      ) {
        counts.set(`${b.hub}>${s.hub}`, (counts.get(`${b.hub}>${s.hub}`) ?? 0) + 1)
      }
    })
  }
  const [lane] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!
  return lane.split('>') as [string, string]
}
const [A, B] = busiestLeg()

/** Departure from A and arrival at B of each case that travels the lane. */
function legOf(steps: readonly Step[]): { dep: number; arr: number; index: number } | undefined {
  const index = steps.findIndex(
    (s, i) =>
      s.type === 'arrived_hub' && s.hub === B && steps[i - 1]?.type === 'departed_hub' && steps[i - 1]?.hub === A,
  )
  return index < 0 ? undefined : { dep: steps[index - 1]!.time, arr: steps[index]!.time, index }
}

function expectWellFormed(c: Case, out: readonly Step[]): void {
  out.forEach((s, i) => {
    expect(s.id).toBe(eventId(c.parcel.plan.waybill, i, s.type))
    expect(s.time % 1000).toBe(0)
    if (i > 0) expect(s.time - out[i - 1]!.time).toBeGreaterThanOrEqual(MIN)
  })
}

describe('new incident kinds: parsing and targets', () => {
  it('parses lanes, hubs and outlets with their default durations, and round-trips through describeIncident', () => {
    expect(
      parseIncidents(
        'lane-slowdown:sha-tc>nkg-sc@+1h,hub-slowdown:NKG-SC,collection-surge:HGH-O1@+2h,lane-loss:SHA-TC>NKG-SC@+3h',
      ),
    ).toEqual([
      { kind: 'lane-slowdown', hub: 'SHA-TC', toHub: 'NKG-SC', offsetMs: HOUR, durationMs: 6 * HOUR },
      { kind: 'hub-slowdown', hub: 'NKG-SC', offsetMs: 0, durationMs: 6 * HOUR },
      { kind: 'collection-surge', hub: 'HGH-O1', offsetMs: 2 * HOUR, durationMs: 3 * HOUR },
      { kind: 'lane-loss', hub: 'SHA-TC', toHub: 'NKG-SC', offsetMs: 3 * HOUR, durationMs: HOUR },
    ])
    for (const spec of [
      'lane-slowdown:SHA-TC>NKG-SC@+10m~30h',
      'hub-slowdown:NKG-SC@-1h~2h',
      'collection-surge:HGH-O1@+0~3h',
      'lane-loss:A1>B2@+1d~30m',
    ]) {
      const [parsed] = parseIncidents(spec)
      expect(describeIncident(parsed!)).toBe(spec.replace('@+0~', '@+0~'))
      expect(parseIncidents(describeIncident(parsed!))).toEqual([parsed])
    }
  })

  it.each([
    ['lane-slowdown:SHA-TC', /"SHA-TC" is not a lane: two hub codes joined by >/],
    ['lane-loss:SHA-TC>SHA-TC', /starts and ends at the same hub/],
    ['lane-loss', /lane-loss needs a lane code/],
    ['hub-slowdown:NKG_SC', /is not a hub code/],
  ])('rejects %s', (spec, message) => {
    expect(() => parseIncidents(spec)).toThrow(IncidentSpecError)
    expect(() => parseIncidents(spec)).toThrow(message)
  })

  it('checks both ends of a lane, a centre for a slowdown and an outlet for a surge', () => {
    expect(() => checkTargets(parseIncidents('lane-loss:SHA-TC>NOPE-SC'), DEMO_HUBS, DEMO_COURIERS)).toThrow(
      /no hub NOPE-SC/,
    )
    expect(() => checkTargets(parseIncidents('hub-slowdown:HGH-O1'), DEMO_HUBS, DEMO_COURIERS)).toThrow(
      IncidentTargetError,
    )
    expect(() => checkTargets(parseIncidents('collection-surge:NKG-SC'), DEMO_HUBS, DEMO_COURIERS)).toThrow(
      /not an outlet/,
    )
    expect(() =>
      checkTargets(
        parseIncidents(`lane-slowdown:${A}>${B},hub-slowdown:${A},collection-surge:HGH-O1`),
        DEMO_HUBS,
        DEMO_COURIERS,
      ),
    ).not.toThrow()
  })
})

describe('lane-slowdown', () => {
  const slow = at([{ kind: 'lane-slowdown', hub: A, toHub: B, offsetMs: DAY, durationMs: 12 * HOUR }])[0]!

  it(`makes legs from A to B that depart inside the window take ${LANE_SLOWDOWN_FACTOR}× as long, and leaves every other parcel alone`, () => {
    let slowed = 0
    for (const c of CASES) {
      const effects: IncidentEffect[] = []
      const out = apply(c, [slow], effects)
      const before = legOf(c.steps)
      const hit = before && before.dep >= slow.from && before.dep < slow.to
      if (!hit) {
        expect(out).toBe(c.steps)
        expect(effects).toEqual([])
        continue
      }
      slowed++
      expectWellFormed(c, out)
      const after = legOf(out)!
      expect(after.dep).toBe(before.dep)
      expect(Math.abs(after.arr - after.dep - LANE_SLOWDOWN_FACTOR * (before.arr - before.dep))).toBeLessThan(1000)
      expect(out.slice(0, before.index)).toEqual(c.steps.slice(0, before.index))
      expect(effects).toEqual([{ incident: slow, effect: 'delayed' }])
    }
    expect(slowed).toBeGreaterThan(30)
  })
})

describe('hub-slowdown', () => {
  const slow = at([{ kind: 'hub-slowdown', hub: A, offsetMs: DAY, durationMs: 12 * HOUR }])[0]!

  it(`makes parcels arriving at the centre inside the window dwell ${HUB_SLOWDOWN_FACTOR}× as long`, () => {
    let slowed = 0
    for (const c of CASES) {
      const i = c.steps.findIndex(
        (s, k) =>
          s.type === 'departed_hub' &&
          s.hub === A &&
          c.steps[k - 1]?.type === 'arrived_hub' &&
          c.steps[k - 1]?.hub === A,
      )
      const effects: IncidentEffect[] = []
      const out = apply(c, [slow], effects)
      if (i < 0 || !(c.steps[i - 1]!.time >= slow.from && c.steps[i - 1]!.time < slow.to)) {
        expect(out).toBe(c.steps)
        continue
      }
      slowed++
      expectWellFormed(c, out)
      expect(out[i - 1]!.time).toBe(c.steps[i - 1]!.time)
      const dwell = c.steps[i]!.time - c.steps[i - 1]!.time
      expect(Math.abs(out[i]!.time - out[i - 1]!.time - HUB_SLOWDOWN_FACTOR * dwell)).toBeLessThan(1000)
      expect(effects).toEqual([{ incident: slow, effect: 'delayed' }])
    }
    expect(slowed).toBeGreaterThan(30)
  })
})

describe('lane-loss', () => {
  const loss = at([{ kind: 'lane-loss', hub: A, toHub: B, offsetMs: DAY, durationMs: 6 * HOUR }])[0]!

  it('loses every parcel departing on the lane inside the window: nothing after the departure but a lost exception at B a day or two later', () => {
    let lost = 0
    for (const c of CASES) {
      const effects: IncidentEffect[] = []
      const out = apply(c, [loss], effects)
      const leg = legOf(c.steps)
      if (!leg || !(leg.dep >= loss.from && leg.dep < loss.to)) {
        expect(out).toBe(c.steps)
        continue
      }
      lost++
      expectWellFormed(c, out)
      expect(out).toHaveLength(leg.index + 1)
      expect(out.slice(0, leg.index).map(({ id: _, ...s }) => s)).toEqual(
        c.steps.slice(0, leg.index).map(({ id: _, ...s }) => s),
      )
      const last = out.at(-1)!
      expect(last).toMatchObject({ type: 'exception', reason: 'lost', hub: B })
      expect(last.time - leg.arr).toBeGreaterThanOrEqual(24 * HOUR - 1000)
      expect(last.time - leg.arr).toBeLessThanOrEqual(48 * HOUR + 1000)
      expect(effects).toEqual([{ incident: loss, effect: 'lost' }])
    }
    expect(lost).toBeGreaterThan(10)
  })
})

describe('collection surge', () => {
  it('a forced origin makes a parcel from that outlet, and each outlet has its share of collections', () => {
    const factory = createParcelFactory(createRng(9), net, DEMO_HUBS, DEMO_COURIERS, '777777')
    const p = factory.create(T0, 'HGH-O1')
    expect(p.shipment.originHub).toBe('HGH-O1')
    expect(p.plan.route[0]!.code).toBe('HGH-O1')
    expect(() => factory.create(T0, 'NKG-SC')).toThrow(/no outlet/)
    const total = factory.outlets.reduce((n, o) => n + factory.originShare(o.code), 0)
    expect(total).toBeCloseTo(1, 9)
    expect(factory.originShare('NKG-SC')).toBe(0)
  })
})

describe('ledger', () => {
  let dir: string | undefined
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
    dir = undefined
  })

  it('records the schedule, the wall-clock start and end, and each parcel, in memory and as JSON lines that read back the same', () => {
    dir = mkdtempSync(join(tmpdir(), 'pw-ledger-'))
    const file = join(dir, 'ledger.jsonl')
    const [stop, lane] = at(parseIncidents('hub-stop:NKG-SC@+1h~2h,lane-loss:SHA-TC>NKG-SC@+2h'))
    const ledger = createLedger({ file })
    ledger.schedule([stop!, lane!], 1000)
    ledger.tick(T0 + 30 * MIN, 2000)
    expect(ledger.incidents().map((i) => i.wallFrom)).toEqual([null, null])
    ledger.tick(T0 + HOUR, 3000)
    ledger.parcel({ waybill: 'PW1', incident: stop!, effect: 'delayed', delayMs: 5 * MIN, simAt: T0 })
    ledger.tick(T0 + 3 * HOUR, 4000)
    ledger.parcel({ waybill: 'PW2', incident: lane!, effect: 'lost', delayMs: 0, simAt: T0 + 2 * HOUR })
    ledger.flush()
    const mem = ledger.incidents()
    expect(mem).toEqual([
      {
        id: 0,
        kind: 'hub-stop',
        target: 'NKG-SC',
        spec: 'hub-stop:NKG-SC@+1h~2h',
        simFrom: T0 + HOUR,
        simTo: T0 + 3 * HOUR,
        wallFrom: 3000,
        wallTo: 4000,
        parcels: { delayed: 1, damaged: 0, lost: 0, surge: 0 },
      },
      {
        id: 1,
        kind: 'lane-loss',
        target: 'SHA-TC>NKG-SC',
        spec: 'lane-loss:SHA-TC>NKG-SC@+2h~1h',
        simFrom: T0 + 2 * HOUR,
        simTo: T0 + 3 * HOUR,
        wallFrom: 4000,
        wallTo: 4000,
        parcels: { delayed: 0, damaged: 0, lost: 1, surge: 0 },
      },
    ])
    expect(ledger.parcels().map((p) => [p.waybill, p.kind, p.effect])).toEqual([
      ['PW1', 'hub-stop', 'delayed'],
      ['PW2', 'lane-loss', 'lost'],
    ])
    const back = readLedgerLines(readFileSync(file, 'utf8'))
    expect(back.incidents).toEqual(mem)
    expect(back.parcels).toEqual(ledger.parcels())
  })
})

describe('simulator ledger and surge against a fake API', () => {
  const TOKEN = 'test-ingest-token'
  const SPEED = 20_000
  let api: FakeApi | undefined
  let sim: SimulatorHandle | undefined
  afterEach(async () => {
    await sim?.stop()
    await api?.close()
    sim = api = undefined
  })

  it('collects SURGE_FACTOR times as many parcels at the surging outlet, and its ledger names them and the parcels a stop delayed', async () => {
    const run = async (incidents: string) => {
      api = await startFakeApi({ token: TOKEN })
      sim = startSimulator({
        baseUrl: api.baseUrl,
        token: TOKEN,
        speed: SPEED,
        parcelsPerSecond: (150 * SPEED) / 3600,
        backlogHours: 4,
        warmupHours: 30,
        seed: 1,
        runTag: '424243',
        flushIntervalMs: 50,
        retry: { initialDelayMs: 10, maxDelayMs: 20 },
        incidents,
      })
      const until = Date.now() + 60_000
      while (!sim.stats().upToDate && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
      expect(sim.stats().upToDate).toBe(true)
      await sim.stop()
      const shipments = api.requests
        .filter((r) => r.method === 'POST' && r.path === '/api/v1/shipments')
        .flatMap(
          (r) =>
            (r.body as { shipments: Array<{ waybill: string; originHub: string; collectedAt: string }> }).shipments,
        )
      const result = { shipments, ledger: sim.ledger, windows: sim.incidents }
      await api.close()
      api = undefined
      sim = undefined
      return result
    }
    const surged = await run('collection-surge:HGH-O1@-20h~12h,hub-stop:HGH-SC@-10h~3h')
    const [surge] = surged.windows
    const inWindow = (s: { originHub: string; collectedAt: string }) =>
      s.originHub === 'HGH-O1' && Date.parse(s.collectedAt) >= surge!.from && Date.parse(s.collectedAt) < surge!.to
    const normal = await run('hub-stop:HGH-SC@-10h~3h')
    const ratio = surged.shipments.filter(inWindow).length / Math.max(1, normal.shipments.filter(inWindow).length)
    expect(ratio).toBeGreaterThan(SURGE_FACTOR * 0.6)
    expect(ratio).toBeLessThan(SURGE_FACTOR * 1.5)
    const incidents = surged.ledger.incidents()
    expect(incidents.map((i) => [i.kind, i.target])).toEqual([
      ['collection-surge', 'HGH-O1'],
      ['hub-stop', 'HGH-SC'],
    ])
    for (const i of incidents) {
      expect(i.wallFrom).not.toBeNull()
      expect(i.wallTo).not.toBeNull()
    }
    const surgeParcels = surged.ledger.parcels().filter((p) => p.effect === 'surge')
    expect(surgeParcels.length).toBe(incidents[0]!.parcels.surge)
    expect(surgeParcels.length).toBeGreaterThan(normal.shipments.filter(inWindow).length)
    const sent = new Set(surged.shipments.map((s) => s.waybill))
    for (const p of surged.ledger.parcels()) expect(sent.has(p.waybill)).toBe(true)
    expect(incidents[1]!.parcels.delayed).toBeGreaterThan(5)
  }, 150_000)
})
