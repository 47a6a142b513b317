import { describe, expect, it } from 'vitest'
import { canSeePersonalData, maskAddress, maskName, maskPhone } from '../../../server/domain/masking.ts'
import { startOfShanghaiDay } from '../../../server/domain/clock.ts'

describe('masking', () => {
  it('masks a mobile number as 138****1234', () => {
    expect(maskPhone('13812341234')).toBe('138****1234')
    expect(maskPhone('+86 138-1234-1234')).toBe('861****1234')
  })
  it('keeps only the family name', () => {
    expect(maskName('李娜')).toBe('李*')
    expect(maskName('欧阳娜娜')).toBe('欧***')
  })
  it('keeps the district-level prefix of an address', () => {
    expect(maskAddress('上海市浦东新区世纪大道 100 号')).toBe('上海市浦东新****')
  })
  it('shows clear personal data only to admins and customer service', () => {
    expect(canSeePersonalData('cs_operator')).toBe(true)
    expect(canSeePersonalData('admin')).toBe(true)
    expect(canSeePersonalData('control_room')).toBe(false)
    expect(canSeePersonalData('manager')).toBe(false)
  })
})

describe('Shanghai day', () => {
  it('starts at 16:00 UTC of the previous day', () => {
    expect(startOfShanghaiDay(new Date('2026-11-27T01:00:00Z')).toISOString()).toBe('2026-11-26T16:00:00.000Z')
    expect(startOfShanghaiDay(new Date('2026-11-27T17:00:00Z')).toISOString()).toBe('2026-11-27T16:00:00.000Z')
  })
})
