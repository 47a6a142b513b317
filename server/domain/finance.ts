/**
 * Finance figures (manual 7.1, 7.3) rolled up from one set of grouped rows, so
 * every table (by day, tier, region, payment state) adds up to the same total.
 * Pure. Amounts in fen.
 *
 *  - fees: the fee of every parcel collected in the period (Asia/Shanghai day of
 *    collection), whatever its payment state: unpaid, paid or invoiced;
 *  - region: the province of the origin hub (where the fee is earned);
 *  - compensation: claims paid in the period (day of payment), for lost and damaged parcels;
 *  - net = fees − compensation.
 */
import { PAYMENT_STATES, type PaymentState } from '../../contract/enums.ts'

export { PAYMENT_STATES, type PaymentState }

export interface FeeGroupRow {
  day: string
  tier: string
  region: string
  state: PaymentState
  fen: number
  count: number
}
export interface CompensationGroupRow {
  day: string
  reason: 'lost' | 'damaged'
  fen: number
  count: number
}

export interface Money {
  fen: number
  count: number
}
export type ByState = Record<PaymentState, Money>

export interface FinanceSummary {
  fees: Money & { byState: ByState }
  compensation: Money & { byReason: Record<'lost' | 'damaged', Money> }
  netFen: number
  byDay: Array<{ day: string; fees: Money; byState: ByState; compensation: Money; netFen: number }>
  byTier: Array<{ tier: string; fees: Money; byState: ByState }>
  byRegion: Array<{ region: string; fees: Money; byState: ByState }>
}

const zero = (): Money => ({ fen: 0, count: 0 })
const zeroStates = (): ByState => ({ unpaid: zero(), paid: zero(), invoiced: zero() })
function add(m: Money, fen: number, count: number): void {
  m.fen += fen
  m.count += count
}

/** Every day of the period appears in byDay (zeros included), in order. */
export function summarize(
  days: readonly string[],
  fees: readonly FeeGroupRow[],
  comp: readonly CompensationGroupRow[],
): FinanceSummary {
  const total = { ...zero(), byState: zeroStates() }
  const dayMap = new Map(
    days.map((d) => [d, { day: d, fees: zero(), byState: zeroStates(), compensation: zero(), netFen: 0 }]),
  )
  const tierMap = new Map<string, { tier: string; fees: Money; byState: ByState }>()
  const regionMap = new Map<string, { region: string; fees: Money; byState: ByState }>()
  for (const r of fees) {
    add(total, r.fen, r.count)
    add(total.byState[r.state], r.fen, r.count)
    const d = dayMap.get(r.day)
    if (d) {
      add(d.fees, r.fen, r.count)
      add(d.byState[r.state], r.fen, r.count)
    }
    const t = tierMap.get(r.tier) ?? { tier: r.tier, fees: zero(), byState: zeroStates() }
    add(t.fees, r.fen, r.count)
    add(t.byState[r.state], r.fen, r.count)
    tierMap.set(r.tier, t)
    const g = regionMap.get(r.region) ?? { region: r.region, fees: zero(), byState: zeroStates() }
    add(g.fees, r.fen, r.count)
    add(g.byState[r.state], r.fen, r.count)
    regionMap.set(r.region, g)
  }
  const compensation = { ...zero(), byReason: { lost: zero(), damaged: zero() } }
  for (const r of comp) {
    add(compensation, r.fen, r.count)
    add(compensation.byReason[r.reason], r.fen, r.count)
    const d = dayMap.get(r.day)
    if (d) add(d.compensation, r.fen, r.count)
  }
  for (const d of dayMap.values()) d.netFen = d.fees.fen - d.compensation.fen
  const tierOrder = ['express', 'standard', 'economy']
  return {
    fees: total,
    compensation,
    netFen: total.fen - compensation.fen,
    byDay: [...dayMap.values()],
    byTier: [...tierMap.values()].sort((a, b) => tierOrder.indexOf(a.tier) - tierOrder.indexOf(b.tier)),
    byRegion: [...regionMap.values()].sort((a, b) => b.fees.fen - a.fees.fen || a.region.localeCompare(b.region)),
  }
}

/** Days from `from` to `to` inclusive (YYYY-MM-DD). */
export function daysOf(from: string, to: string): string[] {
  const out: string[] = []
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000)
    out.push(new Date(t).toISOString().slice(0, 10))
  return out
}

/** Forward only: unpaid → paid → invoiced (an invoice is issued after payment, manual 7.1). */
export function canMovePayment(from: PaymentState, to: PaymentState): boolean {
  return PAYMENT_STATES.indexOf(to) > PAYMENT_STATES.indexOf(from)
}

/** Fen as yuan with two decimals, exact (no floating point): 12345 → "123.45", -5 → "-0.05". */
export function fenToYuan(fen: number): string {
  const sign = fen < 0 ? '-' : ''
  const a = Math.abs(Math.round(fen))
  return `${sign}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`
}
