import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CONSIGNEE_CAUSES, isConsigneeCause } from '../../../server/domain/verdict.ts'
import { EXCEPTION_REASONS } from '../../../server/domain/status.ts'
import { CAUSE_SQL, OUTCOME_SQL } from '../../../server/db/sla-sql.ts'
import { parcelRules, sweepParams } from '../../../server/services/sla-sweep.ts'
import type { SlaThresholds } from '../../../server/config.ts'

/**
 * The consignee-cause rule (a parcel late because the consignee refused it or gave a
 * wrong address is excused) is defined once, CONSIGNEE_CAUSES in verdict.ts. The alert
 * sweep binds it as a parameter; the continuous aggregates of sql/020 cannot take one,
 * so they hold a copy, and this test ties that copy to the constant.
 */
const T: SlaThresholds = {
  stallInTransitHours: 24,
  stallOutForDeliveryHours: 8,
  lostAfterHours: 72,
  lateCriticalCount: 50,
  escalateAfterMs: 900_000,
  remindEveryMs: 1_800_000,
  sweepIntervalMs: 60_000,
}
const migration = readFileSync(new URL('../../../sql/020_sla_aggregates.sql', import.meta.url), 'utf8')

/** The members of every `exception_reason IN (...) THEN 'excused'` of a SQL text. */
function excusedLists(sql: string): string[][] {
  return [...sql.matchAll(/exception_reason IN \(([^)]*)\)\s+THEN 'excused'/g)].map((m) =>
    [...m[1]!.matchAll(/'([a-z_]+)'/g)].map((x) => x[1]!),
  )
}

describe('the consignee causes', () => {
  it('are refused and wrong_address, two of the exception reasons', () => {
    expect([...CONSIGNEE_CAUSES].sort()).toEqual(['refused', 'wrong_address'])
    for (const r of CONSIGNEE_CAUSES) expect(EXCEPTION_REASONS).toContain(r)
    expect(isConsigneeCause('lost')).toBe(false)
  })

  it('sql/020 holds the same list as the constant in every aggregate that excuses a parcel', () => {
    const lists = excusedLists(migration)
    expect(lists.length).toBeGreaterThan(0)
    for (const l of lists) expect([...l].sort()).toEqual([...CONSIGNEE_CAUSES].sort())
  })

  it('the raw SLA forms are written from the constant, and their cause list covers every exception reason', () => {
    expect(excusedLists(OUTCOME_SQL)).toEqual([[...CONSIGNEE_CAUSES]])
    const causes = /exception_reason IN \(([^)]*)\) THEN s\.exception_reason/.exec(CAUSE_SQL)![1]!
    expect([...causes.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]).sort()).toEqual([...EXCEPTION_REASONS].sort())
  })

  it('the parcel_late alert rule binds the constant as a parameter instead of naming the causes', () => {
    const late = parcelRules(T).find((r) => r.rule === 'parcel_late')!
    for (const r of CONSIGNEE_CAUSES) expect(late.where).not.toContain(r)
    expect(late.where).toContain('$5::text[]')
    expect(sweepParams(T, new Date(0))[4]).toEqual([...CONSIGNEE_CAUSES])
  })
})
