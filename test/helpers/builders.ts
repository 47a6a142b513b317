import { randomBytes } from 'node:crypto'

let counter = 0
/** A waybill unique to this test run. */
export function newWaybill(): string {
  counter++
  return `PW${randomBytes(4).toString('hex').toUpperCase()}${String(counter).padStart(6, '0')}`
}

export function shipment(over: Record<string, unknown> = {}) {
  return {
    waybill: newWaybill(),
    tier: 'standard',
    sender: { name: '王小明', phone: '13911112222', address: '浙江省杭州市西湖区文三路 90 号', city: '杭州' },
    recipient: { name: '李娜', phone: '13812341234', address: '上海市浦东新区世纪大道 100 号', city: '上海' },
    originHub: 'HGH-O1',
    destinationHub: 'SHA-O1',
    itemName: '书籍',
    weightKg: 1.2,
    volumeCm3: 3000,
    collectedAt: new Date(Date.now() - 6 * 3_600_000).toISOString(),
    collectedBy: 'C-HGH-O1-01',
    ...over,
  }
}

export function event(waybill: string, over: Record<string, unknown> = {}) {
  return {
    id: `ev-${randomBytes(6).toString('hex')}`,
    time: new Date(Date.now() - 3_600_000).toISOString(),
    waybill,
    type: 'arrived_hub',
    hub: 'HGH-SC',
    ...over,
  }
}

export const minutesAgo = (m: number): string => new Date(Date.now() - m * 60_000).toISOString()
