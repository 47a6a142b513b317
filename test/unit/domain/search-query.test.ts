import { describe, expect, it } from 'vitest'
import { bigrams, parseSearch, SearchQueryError } from '../../../server/domain/search-query.ts'

describe('parseSearch: what customer service types', () => {
  it.each([
    ['司马琳', { name: '司马琳' }],
    ['李娜', { name: '李娜' }],
    ['司马', { name: '司马' }],
    ['  李 娜 ', { name: '李娜' }],
    ['李娜 1234', { name: '李娜', last4: '1234' }],
    ['李娜1234', { name: '李娜', last4: '1234' }],
    ['李 1234', { name: '李', last4: '1234' }],
    ['Li Na 1234', { name: 'lina', last4: '1234' }],
    ['1234', { last4: '1234' }],
    ['13812341234', { phone: '13812341234' }],
    ['138-1234-1234', { phone: '13812341234' }],
    ['pw1234', { waybill: 'PW1234', waybillPrefix: 'PW1234' }],
    ['PW12345600000042', { waybill: 'PW12345600000042', waybillPrefix: 'PW12345600000042' }],
    ['Li Na', { name: 'lina' }],
    ['zhangwei', { name: 'zhangwei', waybill: 'ZHANGWEI', waybillPrefix: 'ZHANGWEI' }],
  ])('%s', (q, expected) => {
    expect(parseSearch(q)).toEqual(expected)
  })

  it.each([
    ['', 'name_min_2'],
    ['李', 'name_min_2'],
    ['12', 'phone_full_or_last_4'],
    ['12345', 'phone_full_or_last_4'],
    ['PW123', 'waybill_prefix_min_6'],
  ])('refuses %j with a stable code naming the rule %s', (q, rule) => {
    let caught: unknown
    try {
      parseSearch(q)
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(SearchQueryError)
    const e = caught as SearchQueryError
    expect([e.status, e.code, e.rule]).toEqual([400, 'query_too_short', rule])
    expect(e.details).toEqual([expect.objectContaining({ field: 'q', rule })])
  })

  it('bigrams by character, not UTF-16 unit', () => {
    expect(bigrams('司马琳')).toEqual(['司马', '马琳'])
    expect(bigrams('李')).toEqual([])
    expect(bigrams('𠮷野家')).toEqual(['𠮷野', '野家'])
  })
})
