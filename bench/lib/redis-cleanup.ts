import { Redis } from 'ioredis'

/** Removes every key under a benchmark's own queue prefix (BullMQ leaves its queues and repeatable jobs behind). */
export async function dropPrefix(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 })
  let removed = 0
  try {
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}:*`
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
      cursor = next
      if (keys.length > 0) removed += await redis.unlink(...keys)
    } while (cursor !== '0')
  } finally {
    redis.disconnect()
  }
  return removed
}
