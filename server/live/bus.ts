import { Redis } from 'ioredis'
import type { Logger } from '../lib/logger.ts'

/** Channels that carry a whole picture: a newer message replaces an older one. */
export type SnapshotTopic = 'kpi' | 'map' | 'finance'
/** Live topics fanned out to websocket clients. `parcels` is split per waybill by the hub. */
export type LiveChannel = SnapshotTopic | 'alerts' | 'parcels'
/** Bus topics: live channels for clients, plus control messages between instances. */
export type BusTopic = LiveChannel | 'session-ended' | 'display-revoked'
export interface LiveMessage {
  channel: BusTopic
  data: unknown
}

/**
 * Live updates go through Redis pub/sub so that a client on any server instance
 * sees what any worker published.
 */
export class LiveBus {
  private readonly pub: Redis
  private sub: Redis | undefined
  private readonly topic: string

  constructor(
    private readonly redisUrl: string,
    prefix: string,
    private readonly log: Logger,
  ) {
    this.topic = `${prefix}:live`
    this.pub = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: false })
    this.pub.on('error', (err) => log.warn({ err }, 'live publisher connection error'))
  }

  async publish(channel: BusTopic, data: unknown): Promise<void> {
    await this.pub.publish(this.topic, JSON.stringify({ channel, data }))
  }

  /** Figures a worker reports for the servers' /metrics (e.g. the last sweep's duration), kept in one Redis hash. */
  async setStats(stats: Record<string, number>): Promise<void> {
    await this.pub.hset(`${this.topic}:stats`, stats)
  }

  async stats(): Promise<Record<string, number>> {
    const raw = await this.pub.hgetall(`${this.topic}:stats`)
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]))
  }

  async subscribe(handler: (m: LiveMessage) => void): Promise<void> {
    this.sub = new Redis(this.redisUrl, { maxRetriesPerRequest: null })
    this.sub.on('error', (err) => this.log.warn({ err }, 'live subscriber connection error'))
    this.sub.on('message', (_topic: string, payload: string) => {
      try {
        handler(JSON.parse(payload) as LiveMessage)
      } catch (err) {
        this.log.error({ err }, 'bad live message')
      }
    })
    await this.sub.subscribe(this.topic)
  }

  async close(): Promise<void> {
    this.pub.disconnect()
    this.sub?.disconnect()
  }
}
