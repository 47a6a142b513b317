import { describe, expect, it } from 'vitest'
import { answeredMessages } from '../../../server/db/pglite-mux.ts'

/** A protocol message: type byte, int32 length (itself included), body. */
const msg = (type: string, body = Buffer.alloc(0)) => {
  const head = Buffer.alloc(5)
  head.write(type, 0, 'latin1')
  head.writeInt32BE(4 + body.length, 1)
  return Buffer.concat([head, body])
}
const sent = (types: string) => [...types].map((t) => msg(t))
const answer = (types: string) => Buffer.concat([...types].map((t) => msg(t)))

describe('answeredMessages (the mux resumes a group PGlite answered only in part)', () => {
  it('counts the messages of an INSERT group fully answered, in order', () => {
    expect(answeredMessages(sent('PBDES'), answer('12nCZ'))).toBe(5)
    expect(answeredMessages(sent('PBDES'), answer('12'))).toBe(2)
    expect(answeredMessages(sent('PBDES'), answer('N12n'))).toBe(3)
    expect(answeredMessages(sent('PBDES'), answer('12nC'))).toBe(4)
  })

  it('follows rows and statement descriptions', () => {
    expect(answeredMessages(sent('PBDES'), answer('12TDDDCZ'))).toBe(5)
    expect(answeredMessages(sent('PBDES'), answer('12TDD'))).toBe(3)
    expect(answeredMessages(sent('PDS'), answer('1tTZ'))).toBe(3)
  })

  it('resumes nothing after an error or an answer it cannot follow', () => {
    expect(answeredMessages(sent('PBDES'), answer('12E'))).toBeNull()
    expect(answeredMessages(sent('PBDES'), answer('1Z'))).toBeNull()
    expect(answeredMessages(sent('PBDHS'), answer('12n'))).toBeNull()
  })
})
