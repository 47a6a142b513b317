/**
 * Bounds how many of some costly task run at once, per key (a client address) and
 * overall, with short waiting lines: a burst from one key waits behind its own few
 * slots and never fills the overall ones, so everyone else's tasks still start at
 * once. Past a waiting line's length the task is refused (GateBusy) rather than queued.
 *
 * Small and in-process on purpose: the libraries at hand (p-limit, async-sema) bound
 * one pool each, without keys or a refusal when the line is long.
 */
export class GateBusy extends Error {
  constructor(readonly scope: 'key' | 'overall') {
    super(scope === 'key' ? 'too many tasks waiting for this key' : 'too many tasks waiting')
    this.name = 'GateBusy'
  }
}

class Semaphore {
  active = 0
  private readonly waiting: Array<() => void> = []
  constructor(
    private readonly limit: number,
    private readonly maxWaiting: number,
  ) {}

  get idle(): boolean {
    return this.active === 0 && this.waiting.length === 0
  }

  /** Resolves once a slot is held; false (nothing held) when the line is full. */
  acquire(): Promise<boolean> {
    if (this.active < this.limit) {
      this.active++
      return Promise.resolve(true)
    }
    if (this.waiting.length >= this.maxWaiting) return Promise.resolve(false)
    return new Promise((resolve) => this.waiting.push(() => resolve(true)))
  }

  release(): void {
    const next = this.waiting.shift()
    if (next)
      next() // the slot passes on: active stays the same
    else this.active--
  }
}

export interface GateLimits {
  perKey: number
  overall: number
  /** How many may wait for their key's slot (default 4 × perKey). */
  waitingPerKey?: number
  /** How many may wait for an overall slot (default 16 × overall). */
  waitingOverall?: number
}

export class KeyedGate {
  private readonly overall: Semaphore
  private readonly keys = new Map<string, Semaphore>()

  constructor(private readonly limits: GateLimits) {
    this.overall = new Semaphore(limits.overall, limits.waitingOverall ?? 16 * limits.overall)
  }

  /** Tasks running now (overall), for tests and metrics. */
  get running(): number {
    return this.overall.active
  }

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    let mine = this.keys.get(key)
    if (!mine) {
      mine = new Semaphore(this.limits.perKey, this.limits.waitingPerKey ?? 4 * this.limits.perKey)
      this.keys.set(key, mine)
    }
    const sem = mine
    if (!(await sem.acquire())) throw new GateBusy('key')
    try {
      if (!(await this.overall.acquire())) throw new GateBusy('overall')
      try {
        return await task()
      } finally {
        this.overall.release()
      }
    } finally {
      sem.release()
      if (sem.idle) this.keys.delete(key)
    }
  }
}
