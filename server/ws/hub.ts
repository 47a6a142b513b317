import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { randomUUID } from 'node:crypto'
import { WebSocketServer, type WebSocket } from 'ws'
import { z } from 'zod'
import type pg from 'pg'
import type { Logger } from '../lib/logger.ts'
import type { Metrics } from '../lib/metrics.ts'
import { resolvePrincipal } from '../http/auth-middleware.ts'
import { validSessions } from '../db/users-repo.ts'
import { serverFrame } from '../../contract/live.ts'
import type { Principal } from '../services/auth.ts'
import {
  canSubscribe,
  channelKind,
  DEFAULT_CHANNELS,
  isChannel,
  isSnapshotChannel,
  MAX_PARCEL_CHANNELS,
  parcelChannel,
  type Channel,
} from './channels.ts'

const MAX_INBOUND_BYTES = 4 * 1024
/** Largest frame the server sends; a bigger one is a bug upstream and is dropped, loudly. */
const MAX_OUTBOUND_BYTES = 512 * 1024
/** A client whose unsent data passes this stopped reading: it is cut off. */
const MAX_BUFFERED_BYTES = 1024 * 1024
const PUSH_INTERVAL_MS = 500
const PING_INTERVAL_MS = 30_000
const HEARTBEAT_INTERVAL_MS = 15_000
/** Frames kept for resuming clients (a few minutes of traffic at 2 Hz per channel). */
const RESUME_BUFFER = 1024
/** A cached snapshot older than this is fetched again for a (re)connecting client. */
const SNAPSHOT_MAX_AGE_MS = 10_000
/** Inbound messages allowed per client between two pings (30 s) before it is disconnected. */
const MAX_INBOUND_PER_WINDOW = 40
/** Close code for a socket over its session's cap (like HTTP 429). */
export const CLOSE_TOO_MANY_SOCKETS = 4429

const channelName = z
  .string()
  .max(40)
  .refine(isChannel, 'unknown channel: kpi, map, alerts, finance or parcel:<waybill>')
const clientMessage = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('subscribe'), channels: z.array(channelName).max(8) }),
  z.strictObject({ type: z.literal('ping') }),
])

interface Client {
  ws: WebSocket
  principal: Principal
  channels: Set<Channel>
  alive: boolean
  inbound: number
}

interface BufferedFrame {
  seq: number
  channel: Channel
  frame: string
  data?: unknown
}

/** The hub a person's account is scoped to: such a person sees only that hub's alert changes. */
function hubScope(p: Principal): string | null {
  return p.kind === 'user' ? p.hubCode : null
}

/** An alerts frame's lists cut down to one hub (entries that name no hub are left out too). */
function alertsOfHub(data: unknown, hub: string): { data: unknown; empty: boolean } {
  const d = (data ?? {}) as Record<string, unknown>
  const keep = (list: unknown) =>
    Array.isArray(list) ? list.filter((x) => (x as { hubCode?: unknown })?.hubCode === hub) : []
  const changes = keep(d.changes)
  const escalated = keep(d.escalated)
  return { data: { ...d, changes, escalated }, empty: changes.length === 0 && escalated.length === 0 }
}

export interface ParcelChange {
  waybill: string
  [key: string]: unknown
}

export interface HubOptions {
  db: pg.Pool
  log: Logger
  allowedOrigins: string[] | undefined
  /** Sessions unused this long are refused at the upgrade, as on REST, and their open sockets closed. */
  sessionIdleMs: number
  /** How often open sockets' sessions are checked (expired, idle, user disabled: closed with 4401). Default 60 s. */
  sessionCheckMs?: number
  /** The current picture of a snapshot channel (kpi, map, parcel:<waybill>), or null when there is none (unknown parcel). */
  snapshot: (channel: Channel) => Promise<unknown>
  metrics?: Pick<Metrics, 'wsFrames' | 'wsCutOff'>
  /** Open sockets one session (or one wall screen) may hold; one more is closed with 4429. Default 10. */
  maxPerSession?: number
  /** Check each frame against the wire contract (contract/live.ts), as REST answers are (Config.responseCheck). Default off. */
  frameCheck?: 'off' | 'log' | 'throw'
}

/** What the per-session cap counts by: the session of a person, the enrolment of a wall screen. */
function sessionKey(p: Principal): string | null {
  if (p.kind === 'user') return `s:${p.sessionHash}`
  if (p.kind === 'display') return `d:${p.displayId}`
  return null
}

/**
 * The live channel of one server instance.
 *
 * - Authenticates at the upgrade (session or display cookie, and Origin).
 * - Channels: `kpi`, `map`, `alerts` and `parcel:<waybill>`, each allowed by role.
 * - Every frame carries a sequence number (per instance, with an epoch that changes
 *   when the instance restarts). A client reconnecting with `?epoch=&seq=` gets what
 *   it missed from a ring buffer (for snapshot channels only the latest), or, when
 *   that is impossible, `resumed: false` and fresh snapshots (`snapshot: true`).
 * - At most one push per channel per 500 ms: the latest value wins.
 * - Heartbeats both ways (ws ping, and a `heartbeat` frame browsers can see);
 *   a client that stops reading is cut off; inbound and outbound sizes are capped.
 */
export class LiveHub {
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_INBOUND_BYTES,
    perMessageDeflate: false,
  })
  private readonly clients = new Set<Client>()
  readonly epoch = randomUUID()
  private seq = 0
  private readonly pending = new Map<Channel, unknown>()
  private readonly lastSent = new Map<Channel, number>()
  private readonly timers = new Map<Channel, NodeJS.Timeout>()
  private readonly buffer: BufferedFrame[] = []
  /** Latest value of each snapshot channel, and when it arrived. */
  private readonly latest = new Map<Channel, { data: unknown; at: number }>()
  private readonly inflight = new Map<Channel, Promise<unknown>>()
  /** How many clients listen to each channel (parcel channels are looked up per change). */
  private readonly listeners = new Map<Channel, number>()
  private readonly intervals: NodeJS.Timeout[] = []
  /** Open sockets per session key (see sessionKey). */
  private readonly perSession = new Map<string, number>()

  constructor(private readonly opts: HubOptions) {
    this.intervals.push(
      setInterval(() => this.ping(), PING_INTERVAL_MS),
      setInterval(() => this.heartbeat(), HEARTBEAT_INTERVAL_MS),
      setInterval(
        () => void this.checkSessions().catch((err) => this.opts.log.warn({ err }, 'open sessions not checked')),
        opts.sessionCheckMs ?? 60_000,
      ),
    )
    for (const i of this.intervals) i.unref()
  }

  attach(server: Server): void {
    server.on('upgrade', (req, socket, head) => {
      void this.upgrade(req, socket, head)
    })
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
      const url = new URL(req.url ?? '/', 'http://x')
      if (url.pathname !== '/ws') return refuse(404, 'Not Found')
      if (!this.originAllowed(req)) return refuse(403, 'Forbidden')
      const principal = await resolvePrincipal(this.opts.db, req, new Date(), this.opts.sessionIdleMs)
      if (!principal) return refuse(401, 'Unauthorized')
      if (principal.kind === 'token') return refuse(403, 'Forbidden') // the live channel is for people and screens
      if (principal.kind === 'user' && principal.mustChangePassword) return refuse(403, 'Forbidden') // a new password first
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, principal, url.searchParams))
    } catch (err) {
      this.opts.log.warn({ err }, 'websocket upgrade failed')
      refuse(503, 'Service Unavailable')
    }
  }

  private onConnection(ws: WebSocket, principal: Principal, params: URLSearchParams): void {
    // Counted here, synchronously, so that a burst of upgrades can't all pass the check (issue 16).
    const key = sessionKey(principal)
    const cap = this.opts.maxPerSession ?? 10
    if (key !== null && (this.perSession.get(key) ?? 0) >= cap) {
      ws.close(CLOSE_TOO_MANY_SOCKETS, `too many live connections for this session (at most ${cap})`)
      return
    }
    if (key !== null) this.perSession.set(key, (this.perSession.get(key) ?? 0) + 1)
    const client: Client = { ws, principal, channels: new Set(), alive: true, inbound: 0 }
    this.clients.add(client)
    ws.on('pong', () => {
      client.alive = true
    })
    ws.on('close', () => this.drop(client))
    ws.on('error', () => ws.terminate())
    ws.on('message', (data) => this.onMessage(client, data.toString()))

    const asked = params.get('channels')?.split(',').filter(Boolean) ?? DEFAULT_CHANNELS
    const { granted, refused } = this.grant(client, asked)
    const resumeFrom = this.resumePoint(params.get('epoch'), params.get('seq'))
    const user =
      principal.kind === 'user'
        ? { username: principal.username, role: principal.role }
        : { username: `display:${principal.kind === 'display' ? principal.name : ''}`, role: principal.role }
    this.sendTo(
      client,
      this.checked({
        type: 'hello',
        epoch: this.epoch,
        seq: resumeFrom ?? this.seq,
        resumed: resumeFrom !== undefined,
        user,
        channels: granted,
      }),
    )
    if (refused.length > 0)
      this.sendError(client, 'channel_refused', `Not available to you or not a channel: ${refused.join(', ')}`)
    for (const c of granted) this.subscribeClient(client, c)
    if (resumeFrom !== undefined) this.replay(client, resumeFrom)
    else for (const c of granted) if (isSnapshotChannel(c)) void this.sendSnapshot(client, c)
  }

  /** The seq to resume after, when the buffer still holds everything after it; else undefined. */
  private resumePoint(epoch: string | null, seqText: string | null): number | undefined {
    if (epoch !== this.epoch || seqText === null || !/^\d{1,15}$/.test(seqText)) return undefined
    const seq = Number(seqText)
    if (seq > this.seq) return undefined
    if (seq === this.seq) return seq
    const oldest = this.buffer[0]?.seq
    return oldest !== undefined && oldest <= seq + 1 ? seq : undefined
  }

  /** Missed frames in order; of a snapshot channel only its latest. */
  private replay(client: Client, after: number): void {
    const missed = this.buffer.filter((f) => f.seq > after && client.channels.has(f.channel))
    const lastOf = new Map<Channel, number>()
    for (const f of missed) if (isSnapshotChannel(f.channel)) lastOf.set(f.channel, f.seq)
    for (const f of missed) {
      if (isSnapshotChannel(f.channel) && lastOf.get(f.channel) !== f.seq) continue
      this.sendFrame(client, f)
    }
  }

  private grant(client: Client, asked: readonly string[]): { granted: Channel[]; refused: string[] } {
    const granted: Channel[] = []
    const refused: string[] = []
    for (const name of new Set(asked)) {
      if (!isChannel(name) || !canSubscribe(client.principal.role, name)) refused.push(name.slice(0, 40))
      else granted.push(name)
    }
    const parcels = granted.filter((c) => channelKind(c) === 'parcel')
    if (parcels.length > MAX_PARCEL_CHANNELS) {
      refused.push(...parcels.slice(MAX_PARCEL_CHANNELS))
      return { granted: granted.filter((c) => !parcels.slice(MAX_PARCEL_CHANNELS).includes(c)), refused }
    }
    return { granted, refused }
  }

  private subscribeClient(client: Client, channel: Channel): void {
    if (client.channels.has(channel)) return
    client.channels.add(channel)
    this.listeners.set(channel, (this.listeners.get(channel) ?? 0) + 1)
  }

  private unsubscribeClient(client: Client, channel: Channel): void {
    if (!client.channels.delete(channel)) return
    const n = (this.listeners.get(channel) ?? 1) - 1
    if (n > 0) {
      this.listeners.set(channel, n)
      return
    }
    this.listeners.delete(channel)
    if (channelKind(channel) === 'parcel') {
      this.latest.delete(channel)
      this.lastSent.delete(channel)
    }
  }

  private drop(client: Client): void {
    if (!this.clients.delete(client)) return
    const key = sessionKey(client.principal)
    if (key !== null) {
      const n = (this.perSession.get(key) ?? 1) - 1
      if (n > 0) this.perSession.set(key, n)
      else this.perSession.delete(key)
    }
    for (const c of [...client.channels]) this.unsubscribeClient(client, c)
  }

  private onMessage(client: Client, text: string): void {
    if (++client.inbound > MAX_INBOUND_PER_WINDOW) {
      client.ws.close(1008, 'too many messages')
      return
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      parsed = undefined
    }
    const m = clientMessage.safeParse(parsed)
    if (!m.success) {
      const issue = m.error.issues[0]
      this.sendError(
        client,
        'bad_message',
        `${issue ? `${issue.path.join('.') || 'message'}: ${issue.message}. ` : ''}Messages are JSON: {"type":"subscribe","channels":["kpi","map","alerts","parcel:<waybill>"]} or {"type":"ping"}`,
      )
      return
    }
    if (m.data.type === 'ping') {
      this.sendTo(client, this.checked({ type: 'pong', seq: this.seq }))
      return
    }
    const { granted, refused } = this.grant(client, m.data.channels)
    const added = granted.filter((c) => !client.channels.has(c))
    for (const c of [...client.channels]) if (!granted.includes(c)) this.unsubscribeClient(client, c)
    for (const c of added) this.subscribeClient(client, c)
    this.sendTo(client, this.checked({ type: 'subscribed', seq: this.seq, channels: granted }))
    if (refused.length > 0)
      this.sendError(client, 'channel_refused', `Not available to you or not a channel: ${refused.join(', ')}`)
    for (const c of added) if (isSnapshotChannel(c)) void this.sendSnapshot(client, c)
  }

  private sendError(client: Client, code: string, message: string): void {
    this.sendTo(client, this.checked({ type: 'error', seq: this.seq, code, message }))
  }

  /** The current picture of a channel: the latest published value if fresh, else fetched once for everyone asking. */
  private async current(channel: Channel): Promise<unknown> {
    const cached = this.latest.get(channel)
    if (cached && Date.now() - cached.at < SNAPSHOT_MAX_AGE_MS) return cached.data
    let p = this.inflight.get(channel)
    if (!p) {
      p = this.opts.snapshot(channel).finally(() => this.inflight.delete(channel))
      this.inflight.set(channel, p)
    }
    return p
  }

  private async sendSnapshot(client: Client, channel: Channel): Promise<void> {
    try {
      const data = await this.current(channel)
      if (!client.channels.has(channel)) return
      if (data === null) {
        this.unsubscribeClient(client, channel)
        this.sendError(client, 'not_found', `Nothing to follow on ${channel}`)
        return
      }
      this.sendTo(client, this.frame(channel, this.seq, data, true))
    } catch (err) {
      this.opts.log.warn({ err, channel }, 'snapshot for a new subscriber failed')
    }
  }

  private frame(channel: Channel, seq: number, data: unknown, snapshot = false): string {
    const kind = channelKind(channel)
    return this.checked(
      kind === 'parcel'
        ? { type: kind, channel, seq, data, ...(snapshot ? { snapshot } : {}) }
        : { type: kind, seq, data, ...(snapshot ? { snapshot } : {}) },
    )
  }

  /**
   * The frame as text. Outside production it is first checked against the wire contract
   * (once per frame made, not per client): a mismatch is logged, and with 'throw' (the
   * tests') an error frame contract_violation goes out in its place.
   */
  private checked(frame: { type: string; seq: number; [field: string]: unknown }): string {
    const text = JSON.stringify(frame)
    const mode = this.opts.frameCheck ?? 'off'
    if (mode === 'off') return text
    const r = serverFrame.safeParse(JSON.parse(text))
    if (r.success) return text
    const problems = r.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(frame)'}: ${i.message}`)
    this.opts.log.error({ type: frame.type, problems }, 'frame breaks the wire contract')
    if (mode === 'log') return text
    return JSON.stringify({
      type: 'error',
      seq: frame.seq,
      code: 'contract_violation',
      message: `${frame.type} frame outside its contract: ${problems.join('; ')}`,
    })
  }

  /** Called for every message from the bus: keeps the latest and sends it within the rate limit. */
  publish(channel: Channel, data: unknown): void {
    if (isSnapshotChannel(channel)) this.latest.set(channel, { data, at: Date.now() })
    if (channel === 'alerts') {
      // Changes are deltas: coalescing merges their lists instead of keeping the last.
      const previous = this.pending.get('alerts') as { changes?: unknown[] } | undefined
      const next = data as { changes?: unknown[] }
      if (previous?.changes && Array.isArray(next?.changes))
        data = { ...next, changes: [...previous.changes, ...next.changes] }
    }
    this.pending.set(channel, data)
    if (this.timers.has(channel)) return
    const wait = Math.max(0, (this.lastSent.get(channel) ?? 0) + PUSH_INTERVAL_MS - Date.now())
    this.timers.set(
      channel,
      setTimeout(() => this.flush(channel), wait),
    )
  }

  /** Whether someone on this instance follows the parcel's live channel. */
  followsParcel(waybill: string): boolean {
    const channel = parcelChannel(waybill)
    return channel !== undefined && this.listeners.has(channel)
  }

  /** A batch of parcel state changes: forwarded only to the parcels someone follows. */
  publishParcels(changes: readonly ParcelChange[]): void {
    for (const change of changes) {
      const channel = parcelChannel(change.waybill)
      if (channel && this.listeners.has(channel)) this.publish(channel, change)
    }
  }

  private flush(channel: Channel): void {
    this.timers.delete(channel)
    const data = this.pending.get(channel)
    this.pending.delete(channel)
    this.lastSent.set(channel, Date.now())
    if (channelKind(channel) === 'parcel' && !this.listeners.has(channel)) return
    const seq = ++this.seq
    const frame = this.frame(channel, seq, data) // serialised once for everyone
    if (frame.length > MAX_OUTBOUND_BYTES) {
      this.opts.log.error({ channel, bytes: frame.length }, 'live frame over the size limit, not sent')
      return
    }
    this.opts.metrics?.wsFrames.inc({ channel: channelKind(channel) })
    const buffered: BufferedFrame = { seq, channel, frame, ...(channel === 'alerts' ? { data } : {}) }
    this.buffer.push(buffered)
    if (this.buffer.length > RESUME_BUFFER) this.buffer.splice(0, this.buffer.length - RESUME_BUFFER)
    for (const c of this.clients) if (c.channels.has(channel)) this.sendFrame(c, buffered)
  }

  /** The shared frame, or for a hub-scoped person an alerts frame with their hub's changes only (none: nothing sent). */
  private sendFrame(client: Client, f: BufferedFrame): void {
    const hub = hubScope(client.principal)
    if (hub === null || f.channel !== 'alerts') return this.sendTo(client, f.frame)
    const own = alertsOfHub(f.data, hub)
    if (!own.empty) this.sendTo(client, this.frame(f.channel, f.seq, own.data))
  }

  private sendTo(client: Client, frame: string): void {
    if (client.ws.readyState !== client.ws.OPEN) return
    if (client.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.opts.log.warn({ buffered: client.ws.bufferedAmount }, 'websocket client too slow, cut off')
      this.opts.metrics?.wsCutOff.inc()
      client.ws.terminate()
      this.drop(client)
      return
    }
    client.ws.send(frame)
  }

  private ping(): void {
    for (const c of this.clients) {
      c.inbound = 0
      if (!c.alive) {
        c.ws.terminate()
        this.drop(c)
        continue
      }
      c.alive = false
      c.ws.ping()
    }
  }

  /** Tells browsers (which cannot see ws pings) that the connection is alive even when no data changes. */
  private heartbeat(): void {
    const frame = this.checked({ type: 'heartbeat', seq: this.seq, at: new Date().toISOString() })
    for (const c of this.clients) this.sendTo(c, frame)
  }

  /**
   * Closes the sockets whose session has ended without a logout: expired, unused
   * for longer than the idle limit (an open live page does not count as use), or
   * its user disabled. Logout closes at once (closeSession); this catches the rest.
   */
  async checkSessions(now = new Date()): Promise<number> {
    const hashes = new Set<string>()
    for (const c of this.clients) if (c.principal.kind === 'user') hashes.add(c.principal.sessionHash)
    if (hashes.size === 0) return 0
    const valid = await validSessions(this.opts.db, [...hashes], now, this.opts.sessionIdleMs)
    let closed = 0
    for (const c of this.clients) {
      if (c.principal.kind === 'user' && !valid.has(c.principal.sessionHash)) {
        c.ws.close(4401, 'session expired')
        closed++
      }
    }
    return closed
  }

  /** Closes the sockets of a session that ended (logout). */
  closeSession(sessionHash: string): void {
    for (const c of this.clients) {
      if (c.principal.kind === 'user' && c.principal.sessionHash === sessionHash) c.ws.close(4401, 'session ended')
    }
  }

  /** Closes the sockets of a wall screen whose display token was revoked. */
  closeDisplay(displayId: number): void {
    for (const c of this.clients) {
      if (c.principal.kind === 'display' && c.principal.displayId === displayId) c.ws.close(4401, 'display revoked')
    }
  }

  get size(): number {
    return this.clients.size
  }

  async close(): Promise<void> {
    for (const i of this.intervals) clearInterval(i)
    for (const t of this.timers.values()) clearTimeout(t)
    for (const c of this.clients) c.ws.close(1001, 'server shutting down')
    // A client that never answers the closing handshake must not hold the shutdown.
    const force = setTimeout(() => {
      for (const ws of this.wss.clients) ws.terminate()
    }, 2_000)
    await new Promise<void>((resolve) => this.wss.close(() => resolve()))
    clearTimeout(force)
  }
}
