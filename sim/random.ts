/**
 * A small seeded PRNG (mulberry32) and the draws the simulator needs. Every
 * random choice of a run goes through one of these, so a seed reproduces it.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number
  /** Uniform float in [min, max). */
  float(min: number, max: number): number
  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number
  /** True with probability p. */
  chance(p: number): boolean
  pick<T>(items: readonly T[]): T
  /** Picks items[i] with probability weights[i] / sum(weights). */
  weighted<T>(items: readonly T[], weights: readonly number[]): T
  /** Exponentially distributed with the given mean. */
  exponential(mean: number): number
  /** A string of `length` decimal digits. */
  digits(length: number): string
}

/** mulberry32: 32-bit state, good enough for simulation, tiny and fast. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function createRng(seed: number): Rng {
  const next = mulberry32(seed)
  const rng: Rng = {
    next,
    float: (min, max) => min + (max - min) * next(),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new Error('pick from an empty list')
      return items[Math.floor(next() * items.length)] as T
    },
    weighted<T>(items: readonly T[], weights: readonly number[]): T {
      if (items.length === 0) throw new Error('pick from an empty list')
      let total = 0
      for (let i = 0; i < items.length; i++) total += Math.max(0, weights[i] ?? 0)
      let r = next() * total
      for (let i = 0; i < items.length; i++) {
        r -= Math.max(0, weights[i] ?? 0)
        if (r < 0) return items[i] as T
      }
      return items[items.length - 1] as T
    },
    exponential: (mean) => -mean * Math.log(1 - next()),
    digits(length: number): string {
      let s = ''
      for (let i = 0; i < length; i++) s += String(Math.floor(next() * 10))
      return s
    },
  }
  return rng
}

/** Derives an independent stream from a seed and a label (FNV-1a over the label). */
export function deriveSeed(seed: number, label: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}
