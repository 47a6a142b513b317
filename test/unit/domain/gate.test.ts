import { describe, expect, it } from 'vitest'
import { GateBusy, KeyedGate } from '../../../server/lib/gate.ts'

function deferred() {
  let resolve!: () => void
  const promise = new Promise<void>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

describe('KeyedGate', () => {
  it('runs at most perKey tasks of one key at once and lets another key start while that key waits', async () => {
    const gate = new KeyedGate({ perKey: 2, overall: 3, waitingPerKey: 10 })
    const started: string[] = []
    const hold = deferred()
    const flood = Array.from({ length: 8 }, (_, i) =>
      gate.run('a', async () => {
        started.push(`a${i}`)
        await hold.promise
      }),
    )
    await Promise.resolve()
    await new Promise((r) => setTimeout(r, 0))
    expect(started).toEqual(['a0', 'a1'])
    let otherRan = false
    await gate.run('b', async () => {
      otherRan = true
    })
    expect(otherRan).toBe(true)
    expect(gate.running).toBe(2)
    hold.resolve()
    await Promise.all(flood)
    expect(started).toHaveLength(8)
    expect(gate.running).toBe(0)
  })

  it("refuses a task when its key's waiting line is full, and when the overall one is", async () => {
    const gate = new KeyedGate({ perKey: 1, overall: 1, waitingPerKey: 2, waitingOverall: 1 })
    const hold = deferred()
    const running = [
      gate.run('a', () => hold.promise),
      gate.run('a', () => hold.promise),
      gate.run('a', () => hold.promise),
    ]
    await expect(gate.run('a', async () => 1)).rejects.toBeInstanceOf(GateBusy)
    const b = gate.run('b', async () => 'b') // waits for the overall slot
    await expect(gate.run('c', async () => 1)).rejects.toMatchObject({ scope: 'overall' })
    hold.resolve()
    await Promise.all(running)
    expect(await b).toBe('b')
  })

  it('frees the slot when a task fails', async () => {
    const gate = new KeyedGate({ perKey: 1, overall: 1 })
    await expect(
      gate.run('a', async () => {
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    expect(await gate.run('a', async () => 'ok')).toBe('ok')
    expect(gate.running).toBe(0)
  })
})
