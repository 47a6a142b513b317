import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { parseBody } from '../../../server/http/route-kit.ts'
import { AppError, ConflictError, NotFoundError } from '../../../server/lib/errors.ts'

// The complaint body's rules (server/http/complaint-routes.ts).
const complaint = z.strictObject({
  waybill: z.string().trim().min(1).max(40).nullish(),
  description: z.string().trim().max(4000).min(1, 'describe the complaint'),
})

function refusal(body: unknown): AppError {
  try {
    parseBody(complaint, body)
  } catch (err) {
    if (err instanceof AppError) return err
    throw err
  }
  throw new Error('expected a 400')
}

describe('parseBody names the fields at fault (the web renders them, test/unit/web/errors.test.ts)', () => {
  it('gives the field, the rule, what it bounds and the limit of an over-long description', () => {
    const e = refusal({ description: 'x'.repeat(5640) })
    expect(e.status).toBe(400)
    expect(e.code).toBe('bad_request')
    expect(e.message).toMatch(/^Invalid request: description: /)
    expect(e.details).toEqual([
      { field: 'description', message: expect.stringMatching(/4000/), issue: 'too_big', origin: 'string', limit: 4000 },
    ])
  })

  it('says an empty description is missing, and names an unknown member', () => {
    const e = refusal({ description: '  ', extra: 1 })
    expect(e.details).toEqual(
      expect.arrayContaining([
        { field: 'description', message: 'describe the complaint', issue: 'too_small', origin: 'string', limit: 1 },
        expect.objectContaining({ field: 'extra', issue: 'unrecognized_keys' }),
      ]),
    )
  })

  it('lets a service give a not-found or conflict its own stable code', () => {
    expect(new ConflictError('Parcel PW1 already has a claim that is not rejected', 'claim_exists').code).toBe(
      'claim_exists',
    )
    expect(new NotFoundError('No shipment with waybill PW1', 'shipment_not_found').code).toBe('shipment_not_found')
    expect(new NotFoundError('No claim 1').code).toBe('not_found')
  })
})
