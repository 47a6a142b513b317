/**
 * New parcels: who sends what from where to where, and the collection record
 * posted to /api/v1/shipments. Pure apart from the Rng.
 */
import type { CourierSeed, HubSeed, Network } from '../server/data/network.ts'
import type { ShipmentInput } from './contract.ts'
import type { ParcelPlan, RouteHub, Tier } from './lifecycle.ts'
import { mobilePhone, personName, streetAddress } from './people.ts'
import type { Rng } from './random.ts'

interface Item {
  name: string
  kg: readonly [number, number]
  cm3: readonly [number, number]
  yuan: readonly [number, number]
  weight: number
}

const ITEMS: readonly Item[] = [
  { name: '连衣裙', kg: [0.2, 0.6], cm3: [1500, 6000], yuan: [80, 500], weight: 10 },
  { name: '运动鞋', kg: [0.8, 1.6], cm3: [6000, 12000], yuan: [200, 1200], weight: 7 },
  { name: '手机壳', kg: [0.05, 0.2], cm3: [300, 1200], yuan: [10, 60], weight: 6 },
  { name: '图书', kg: [0.3, 2.5], cm3: [800, 6000], yuan: [30, 300], weight: 5 },
  { name: '化妆品套装', kg: [0.3, 1.2], cm3: [1000, 5000], yuan: [150, 2000], weight: 6 },
  { name: '休闲零食', kg: [0.5, 4], cm3: [3000, 25000], yuan: [30, 200], weight: 7 },
  { name: '小商品饰品', kg: [0.1, 2], cm3: [500, 8000], yuan: [10, 200], weight: 5 },
  { name: '蓝牙耳机', kg: [0.1, 0.4], cm3: [400, 1500], yuan: [100, 1500], weight: 4 },
  { name: '保温杯', kg: [0.3, 0.8], cm3: [1500, 3500], yuan: [40, 200], weight: 3 },
  { name: '茶叶', kg: [0.25, 1.5], cm3: [1000, 5000], yuan: [100, 2000], weight: 3 },
  { name: '婴儿奶粉', kg: [0.9, 3.6], cm3: [3000, 12000], yuan: [200, 900], weight: 3 },
  { name: '床上四件套', kg: [1.5, 3.5], cm3: [10000, 30000], yuan: [150, 800], weight: 2 },
  { name: '电饭煲', kg: [2.5, 5], cm3: [20000, 40000], yuan: [200, 1000], weight: 2 },
  { name: '手机', kg: [0.3, 0.6], cm3: [800, 2000], yuan: [1500, 9000], weight: 2 },
  { name: '笔记本电脑', kg: [1.5, 3.2], cm3: [8000, 15000], yuan: [3000, 12000], weight: 1 },
  { name: '汽车配件', kg: [1, 15], cm3: [3000, 40000], yuan: [50, 2000], weight: 2 },
  { name: '机械零件', kg: [2, 20], cm3: [2000, 30000], yuan: [100, 3000], weight: 1.5 },
  { name: '合同文件', kg: [0.05, 0.5], cm3: [200, 1500], yuan: [0, 0], weight: 4 },
]

/** What each city ships more of than average. */
const SPECIALTIES: Readonly<Record<string, readonly string[]>> = {
  义乌: ['小商品饰品', '手机壳', '保温杯'],
  杭州: ['连衣裙', '茶叶'],
  广州: ['连衣裙', '化妆品套装'],
  深圳: ['蓝牙耳机', '手机', '手机壳'],
  东莞: ['机械零件', '运动鞋'],
  泉州: ['运动鞋', '茶叶'],
  苏州: ['床上四件套', '笔记本电脑'],
  上海: ['化妆品套装', '合同文件'],
  北京: ['合同文件', '图书'],
}

/** Cities that send more parcels (e-commerce origins) and receive more (population). */
const ORIGIN_WEIGHT: Readonly<Record<string, number>> = {
  义乌: 5,
  杭州: 3,
  广州: 3.5,
  深圳: 3,
  东莞: 2.5,
  上海: 2.5,
  苏州: 2,
  泉州: 2,
  宁波: 1.5,
  北京: 1.5,
}
const DESTINATION_WEIGHT: Readonly<Record<string, number>> = {
  北京: 3,
  上海: 3,
  广州: 2,
  深圳: 2,
  成都: 2,
  重庆: 2,
  武汉: 1.5,
  西安: 1.5,
  杭州: 1.5,
  南京: 1.5,
  郑州: 1.5,
}

const TIERS: readonly Tier[] = ['express', 'standard', 'economy']

export interface Parcel {
  shipment: ShipmentInput
  plan: ParcelPlan
}

export interface ParcelFactory {
  /** Outlets that have couriers, i.e. where parcels can start and end. */
  readonly outlets: readonly HubSeed[]
  /** A new parcel; `origin` forces its origin outlet (a collection surge there), drawing no origin. */
  create(collectedAt: number, origin?: string): Parcel
  /** The share of all collections an outlet makes on a normal day (0 for an unknown code). */
  originShare(code: string): number
  /** The plan of a parcel already on the road (a restarted demo), or undefined when its outlets are unknown here. */
  planOf(p: OpenParcel): ParcelPlan | undefined
}

/** A parcel of the existing network, as the server stores it: what a restarted simulator continues. */
export interface OpenParcel {
  waybill: string
  tier: Tier
  originHub: string
  destinationHub: string
  collectedAt: number
  collectedBy: string
  recipientName: string | null
  status: string
  lastScanAt: number | null
  lastScanHub: string | null
  lastEventType: string | null
}

export function createParcelFactory(
  rng: Rng,
  network: Network,
  hubs: readonly HubSeed[],
  couriers: readonly CourierSeed[],
  runTag: string,
): ParcelFactory {
  const byHub = new Map<string, string[]>()
  for (const c of couriers) {
    if ((c as { active?: boolean }).active === false) continue
    byHub.set(c.hubCode, [...(byHub.get(c.hubCode) ?? []), c.code])
  }
  const outlets = hubs.filter((h) => h.kind === 'outlet' && (byHub.get(h.code)?.length ?? 0) > 0)
  if (outlets.length < 2) throw new Error(`need at least two outlets with couriers, the server lists ${outlets.length}`)
  const originWeights = outlets.map((h) => ORIGIN_WEIGHT[h.city] ?? 1)
  const destinationWeights = outlets.map((h) => DESTINATION_WEIGHT[h.city] ?? 1)
  let seq = 0

  function routeOf(origin: HubSeed, destination: HubSeed): RouteHub[] {
    return network.routeBetween(origin.code, destination.code).map((code) => {
      const h = network.hub(code)
      if (!h) throw new Error(`route passes unknown hub ${code}`)
      return { code: h.code, kind: h.kind, latitude: h.latitude, longitude: h.longitude }
    })
  }

  function itemFor(city: string): Item {
    const special = SPECIALTIES[city] ?? []
    return rng.weighted(
      ITEMS,
      ITEMS.map((i) => i.weight * (special.includes(i.name) ? 4 : 1)),
    )
  }

  const totalOriginWeight = originWeights.reduce((a, b) => a + b, 0)

  function create(at: number, originCode?: string): Parcel {
    seq++
    const collectedAt = Math.round(at / 1000) * 1000
    const waybill = `PW${runTag}${String(seq).padStart(8, '0')}`
    const forced = originCode === undefined ? undefined : outlets.find((h) => h.code === originCode)
    if (originCode !== undefined && !forced) throw new Error(`no outlet with couriers ${originCode}`)
    const origin = forced ?? rng.weighted(outlets, originWeights)
    let destination = rng.weighted(outlets, destinationWeights)
    while (destination.code === origin.code) destination = rng.weighted(outlets, destinationWeights)
    const item = itemFor(origin.city)
    const tier = item.name === '合同文件' ? rng.weighted(TIERS, [0.8, 0.2, 0]) : rng.weighted(TIERS, [0.3, 0.5, 0.2])
    const weightKg = Math.round(rng.float(item.kg[0], item.kg[1]) * 1000) / 1000
    const volumeCm3 = Math.round(rng.float(item.cm3[0], item.cm3[1]))
    const value = Math.round(rng.float(item.yuan[0], item.yuan[1]))
    const declare = value > 0 && rng.chance(value >= 1000 ? 0.8 : 0.15)
    const pickupCourier = rng.pick(byHub.get(origin.code) ?? [])
    const deliveryCourier = rng.pick(byHub.get(destination.code) ?? [])
    const recipientName = personName(rng)
    const shipment: ShipmentInput = {
      waybill,
      tier,
      sender: {
        name: personName(rng),
        phone: mobilePhone(rng),
        address: streetAddress(rng, origin.city, origin.province),
        city: origin.city,
      },
      recipient: {
        name: recipientName,
        phone: mobilePhone(rng),
        address: streetAddress(rng, destination.city, destination.province),
        city: destination.city,
      },
      originHub: origin.code,
      destinationHub: destination.code,
      itemName: item.name,
      weightKg,
      volumeCm3,
      ...(declare ? { declaredValueYuan: value } : {}),
      collectedAt: new Date(collectedAt).toISOString(),
      collectedBy: pickupCourier,
    }
    const plan: ParcelPlan = {
      waybill,
      tier,
      route: routeOf(origin, destination),
      collectedAt,
      pickupCourier,
      deliveryCourier,
      recipientName,
    }
    return { shipment, plan }
  }

  function originShare(code: string): number {
    const i = outlets.findIndex((h) => h.code === code)
    return i < 0 ? 0 : originWeights[i]! / totalOriginWeight
  }

  function planOf(p: OpenParcel): ParcelPlan | undefined {
    const origin = outlets.find((h) => h.code === p.originHub)
    const destination = outlets.find((h) => h.code === p.destinationHub)
    if (!origin || !destination) return undefined
    return {
      waybill: p.waybill,
      tier: p.tier,
      route: routeOf(origin, destination),
      collectedAt: p.collectedAt,
      pickupCourier: p.collectedBy,
      deliveryCourier: rng.pick(byHub.get(destination.code) ?? []),
      recipientName: p.recipientName ?? personName(rng),
      outcome: 'normal',
    }
  }

  return { outlets, create, originShare, planOf }
}
