import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { randomUUID } from 'node:crypto'
import { WebSocketServer, type WebSocket } from 'ws'
import { z } from 'zod'
import type pg from 'pg'
import type { Logger } from '../lib/logger.ts'
import { ALL_USER_ROLES } from '../domain/roles.ts'
import { resolvePrincipal } from '../http/auth-middleware.ts'
import type { Principal } from '../services/auth.ts'
import type { LiveChannel } from '../live/bus.ts'

const MAX_INBOUND_BYTES = 4 * 1024
const MAX_BUFFERED_BYTES = 1024 * 1024
const PUSH_INTERVAL_MS = 500
const PING_INTERVAL_MS = 30_000

const clientMessage = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('subscribe'), channels: z.array(z.enum(['kpi', 'alerts'])).max(8) }),
  z.strictObject({ type: z.literal('ping') }),
])

interface Client { ws: WebSocket; principal: Principal; channels: Set<LiveChannel>; alive: boolean }

export interface HubOptions { db: pg.Pool; log: Logger; allowedOrigins: string[] | undefined; initial: (channel: LiveChannel) => Promise<unknown> }

/**
 * The live channel of one server instance. Authenticates at the upgrade (session
 * cookie and Origin), fans out what the bus delivers, at most twice a second per
 * channel (latest value wins), and cuts off clients that stop reading.
 */
export class LiveHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_INBOUND_BYTES, perMessageDeflate: false })
  private readonly clients = new Set<Client>()
  private readonly epoch = randomUUID()
  private seq = 0
  private readonly pending = new Map<LiveChannel, unknown>()
  private readonly lastSent = new Map<LiveChannel, number>()
  private readonly timers = new Map<LiveChannel, NodeJS.Timeout>()
  private readonly pinger: NodeJS.Timeout

  constructor(private readonly opts: HubOptions) {
    this.pinger = setInterval(() => this.ping(), PING_INTERVAL_MS)
    this.pinger.unref()
  }

  attach(server: Server): void {
    server.on('upgrade', (req, socket, head) => { void this.upgrade(req, socket, head) })
  }

  private originAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin
    if (!origin) return true // not a browser: cross-site hijacking needs one
    if (this.opts.allowedOrigins) return this.opts.allowedOrigins.includes(origin)
    try {
      return new URL(origin).host === req.headers.host
    } catch {
      return false
    }
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    }
    try {
      if (new URL(req.url ?? '/', 'http://x').pathname !== '/ws') return refuse(404, 'Not Found')
      if (!this.originAllowed(req)) return refuse(403, 'Forbidden')
      const principal = await resolvePrincipal(this.opts.db, req, new Date())
      if (!principal) return refuse(401, 'Unauthorized')
      if (!(ALL_USER_ROLES as readonly string[]).includes(principal.role)) return refuse(403, 'Forbidden')
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, principal))
    } catch (err) {
      this.opts.log.warn({ err }, 'websocket upgrade failed')
      refuse(503, 'Service Unavailable')
    }
  }

  private onConnection(ws: WebSocket, principal: Principal): void {
    const client: Client = { ws, principal, channels: new Set(['kpi', 'alerts']), alive: true }
    this.clients.add(client)
    ws.on('pong', () => { client.alive = true })
    ws.on('close', () => this.clients.delete(client))
    ws.on('error', () => ws.terminate())
    ws.on('message', (data) => this.onMessage(client, data.toString()))
    const user = principal.kind === 'user' ? { username: principal.username, role: principal.role } : null
    this.sendTo(client, JSON.stringify({ type: 'hello', epoch: this.epoch, seq: this.seq, user }))
    void this.opts.initial('kpi').then(
      (data) => this.sendTo(client, JSON.stringify({ type: 'kpi', seq: this.seq, data })),
      (err) => this.opts.log.warn({ err }, 'initial snapshot failed'),
    )
  }

  private onMessage(client: Client, text: string): void {
    let parsed: unknown
    try { parsed = JSON.parse(text) } catch { parsed = undefined }
    const m = clientMessage.safeParse(parsed)
    if (!m.success) {
      this.sendTo(client, JSON.stringify({ type: 'error', code: 'bad_message', message: 'Messages are JSON: {"type":"subscribe","channels":["kpi"]} or {"type":"ping"}' }))
      return
    }
    if (m.data.type === 'subscribe') client.channels = new Set(m.data.channels)
    else this.sendTo(client, JSON.stringify({ type: 'pong', seq: this.seq }))
  }

  /** Called for every message from the bus: keeps the latest and sends it within the rate limit. */
  publish(channel: LiveChannel, data: unknown): void {
    this.pending.set(channel, data)
    if (this.timers.has(channel)) return
    const wait = Math.max(0, (this.lastSent.get(channel) ?? 0) + PUSH_INTERVAL_MS - Date.now())
    this.timers.set(channel, setTimeout(() => this.flush(channel), wait))
  }

  private flush(channel: LiveChannel): void {
    this.timers.delete(channel)
    const data = this.pending.get(channel)
    this.pending.delete(channel)
    this.lastSent.set(channel, Date.now())
    const frame = JSON.stringify({ type: channel, seq: ++this.seq, data }) // serialised once for everyone
    for (const c of this.clients) if (c.channels.has(channel)) this.sendTo(c, frame)
  }

  private sendTo(client: Client, frame: string): void {
    if (client.ws.readyState !== client.ws.OPEN) return
    if (client.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.opts.log.warn({ buffered: client.ws.bufferedAmount }, 'websocket client too slow, cut off')
      client.ws.terminate()
      return
    }
    client.ws.send(frame)
  }

  private ping(): void {
    for (const c of this.clients) {
      if (!c.alive) { c.ws.terminate(); continue }
      c.alive = false
      c.ws.ping()
    }
  }

  /** Closes the sockets of a session that ended (logout). */
  closeSession(sessionHash: string): void {
    for (const c of this.clients) {
      if (c.principal.kind === 'user' && c.principal.sessionHash === sessionHash) c.ws.close(4401, 'session ended')
    }
  }

  get size(): number { return this.clients.size }

  async close(): Promise<void> {
    clearInterval(this.pinger)
    for (const t of this.timers.values()) clearTimeout(t)
    for (const c of this.clients) c.ws.close(1001, 'server shutting down')
    await new Promise<void>((resolve) => this.wss.close(() => resolve()))
  }
}
