/**
 * A PostgreSQL wire-protocol server that lets many clients share PGlite's one
 * backend session without stepping on each other.
 *
 * pglite-socket 0.0.22 (the last line for PGlite 0.3.x) forwards single protocol
 * messages from all its clients into the session in arrival order, so one
 * client's Parse/Bind/Execute/Sync and another's interleave, and a transaction
 * sees other clients' statements. Newer pglite-socket lines multiplex, but need
 * PGlite 0.4 (our TimescaleDB build is 0.3.14). Hence this shim:
 *
 * - Each client gets its own startup answers. With `password` (the embedded process
 *   always gives one, see embedded-secret.ts), a client must prove it knows it by
 *   SCRAM-SHA-256 (PostgreSQL's own scheme: the password never crosses the socket)
 *   before anything else; a wrong or missing one gets 28P01 and is disconnected.
 * - The session belongs to ONE client at a time. A client takes it for a whole
 *   message group (a simple Query, or extended-protocol messages up to and
 *   including Sync) and keeps it while it is inside a transaction (ReadyForQuery
 *   'T' or 'E') or holds session advisory locks, until it is back to idle.
 *   Everyone else waits in a queue; a client with more work after its turn goes
 *   to the back of it. There are two lanes: clients that connect with
 *   application_name INTERACTIVE_APPLICATION (the server's pool for people's
 *   requests: a sign-in, a page's reads) go before the rest (ingest, refreshes,
 *   sweeps), so a sign-in waits for at most the turn in progress, not for a queue
 *   of background work (issue 12, item 3); after PRIORITY_RUN interactive turns in
 *   a row one background turn goes, so neither lane starves. A turn holds PGlite's
 *   own query lock, so backups and other in-process queries fall between turns.
 * - A client that disconnects mid-group or mid-transaction is finished off
 *   (Sync, ROLLBACK, pg_advisory_unlock_all) before the next client gets the session.
 *   One that sits idle inside a transaction for `idleTransactionMs` is disconnected
 *   and finished off the same way.
 *
 * What is isolated between clients, and what is not (one session underneath):
 * - isolated: transactions; unnamed statements and portals; protocol-level
 *   named prepared statements (renamed per client to `<name>@<client id>`, so
 *   two clients may both prepare "q1"; closed when the client leaves; error
 *   messages show the renamed name); session advisory locks (held = the session
 *   stays with that client, so pg_advisory_lock still excludes other clients).
 * - shared: session-level SET, temporary tables that outlive a transaction,
 *   SQL-level PREPARE/DEALLOCATE, LISTEN/NOTIFY, and startup parameters (all
 *   ignored). Use SET LOCAL and ON COMMIT DROP (or ON COMMIT DELETE ROWS: the
 *   SLA sweep's tables stay, empty between transactions), as this project does. No COPY
 *   FROM STDIN (PGlite 0.3 has none on the wire), no CancelRequest (a query
 *   in WebAssembly cannot be interrupted).
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, randomInt, timingSafeEqual } from 'node:crypto'
import { createServer, type Server, type Socket } from 'node:net'
import type { PGlite } from '@electric-sql/pglite'

type Session = Pick<PGlite, 'execProtocol' | 'runExclusive' | 'query'>

const PROTOCOL_3 = 196_608
const SSL_REQUEST = 80_877_103
const GSSENC_REQUEST = 80_877_104
const CANCEL_REQUEST = 80_877_102
/** Frontend messages after which the backend answers ReadyForQuery. */
const GROUP_END = new Set(['S', 'Q', 'F'])
/** application_name of the clients served first (see the header). */
export const INTERACTIVE_APPLICATION = 'parcelwatch-interactive'
/** Interactive turns in a row before a waiting background client gets one. */
const PRIORITY_RUN = 8
const REPORTED_SETTINGS = [
  'server_version',
  'server_encoding',
  'client_encoding',
  'DateStyle',
  'IntervalStyle',
  'TimeZone',
  'integer_datetimes',
  'standard_conforming_strings',
  'is_superuser',
  'session_authorization',
  'application_name',
]

export interface PgliteMuxOptions {
  db: Session
  host?: string
  /** 0: any free port. */
  port?: number
  /** Required of every client (SCRAM-SHA-256). Without it, any client that connects is in. */
  password?: string
  /** Called when a client fails to authenticate. */
  onAuthFailure?: (clientId: number, reason: string) => void
  onError?: (err: unknown, clientId: number) => void
  /** Called when one client has held the session longer than `slowTurnMs` (default 10 s): who, and its last SQL. */
  onSlowTurn?: (clientId: number, heldMs: number, lastSql: string) => void
  slowTurnMs?: number
  /**
   * A client idle inside a transaction this long (default 5 min) is disconnected, its
   * transaction rolled back, so that everyone else can go on (PostgreSQL's
   * idle_in_transaction_session_timeout; here the whole database waits for it).
   */
  idleTransactionMs?: number
  onIdleTransaction?: (clientId: number, idleMs: number, lastSql: string) => void
  /** PGlite answered only the first `answered` of a group's `sent` messages: the rest were handed to it again. */
  onResume?: (clientId: number, answered: number, sent: number, lastSql: string) => void
  /**
   * Called after each message group the database ran: its SQL (or the client's last), how long it
   * took, how long it waited for the session first (0 inside a turn it already had), and its lane.
   */
  onGroup?: (sql: string, ms: number, waitedMs: number, interactive: boolean) => void
  /** Called when a client's turn ends: how long it held the session (a whole transaction), and its first SQL in it after BEGIN. */
  onTurn?: (heldMs: number, firstSql: string, interactive: boolean) => void
}

export class PgliteMux {
  #server: Server | undefined
  #clients = new Set<Client>()
  #nextId = 1
  #startupAnswer = Buffer.alloc(0)
  #scram: ScramVerifier | undefined
  #stopping = false
  #holder: { client: Client; since: number; warned: boolean } | undefined
  /** Clients waiting for a turn, by lane. */
  #waiting = { interactive: [] as Waiter[], background: [] as Waiter[] }
  /** A turn was granted (or is being) and has not ended yet. */
  #turnTaken = false
  #interactiveRun = 0
  #watchdog: NodeJS.Timeout | undefined

  private constructor(private readonly o: PgliteMuxOptions) {}

  static async start(o: PgliteMuxOptions): Promise<PgliteMux> {
    const mux = new PgliteMux(o)
    await mux.#listen()
    return mux
  }

  get port(): number {
    return (this.#server?.address() as { port: number } | null)?.port ?? 0
  }

  async stop(): Promise<void> {
    this.#stopping = true
    clearInterval(this.#watchdog)
    for (const c of this.#clients) c.socket.destroy()
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()))
  }

  async #listen(): Promise<void> {
    const settings = await this.o.db.query<{ name: string; value: string | null }>(
      `SELECT n AS name, current_setting(n, true) AS value FROM unnest($1::text[]) AS n`,
      [REPORTED_SETTINGS],
    )
    if (this.o.password !== undefined) this.#scram = scramVerifier(this.o.password)
    this.#startupAnswer = Buffer.concat([
      message('R', int32(0)), // AuthenticationOk
      ...settings.rows.filter((r) => r.value !== null).map((r) => message('S', cstring(r.name), cstring(r.value!))),
    ])
    this.#server = createServer((socket) => this.#accept(socket))
    // A turn held for long is a client that keeps a transaction open while it waits
    // for something else: everyone else is stuck behind it. Say who.
    const slowMs = this.o.slowTurnMs ?? 10_000
    const idleTxMs = this.o.idleTransactionMs ?? 300_000
    this.#watchdog = setInterval(
      () => {
        const h = this.#holder
        if (!h) return
        const c = h.client
        if (c.txStatus !== 'I' && !c.running && c.pending.length === 0 && Date.now() - c.lastActive >= idleTxMs) {
          this.o.onIdleTransaction?.(c.id, Date.now() - c.lastActive, `${c.lastSql} [${c.exchange()}]`)
          c.socket.destroy() // 'close' rolls its transaction back and hands the session on
          return
        }
        if (h.warned || Date.now() - h.since < slowMs) return
        h.warned = true
        this.o.onSlowTurn?.(
          c.id,
          Date.now() - h.since,
          `${c.lastSql} [${c.running ? 'running' : `idle ${Math.round((Date.now() - c.lastActive) / 1000)} s, tx ${c.txStatus}`}; ${c.exchange()}]`,
        )
      },
      Math.min(1_000, Math.max(100, Math.floor(idleTxMs / 4))),
    )
    this.#watchdog.unref()
    await new Promise<void>((resolve, reject) => {
      this.#server!.once('error', reject)
      this.#server!.listen(this.o.port ?? 0, this.o.host ?? '127.0.0.1', resolve)
    })
  }

  #accept(socket: Socket): void {
    const client = new Client(this.#nextId++, socket)
    this.#clients.add(client)
    socket.setNoDelay(true)
    socket.on('error', () => undefined) // 'close' follows
    socket.on('data', (chunk: Buffer) => {
      client.input.push(chunk)
      try {
        this.#frame(client)
      } catch (err) {
        this.o.onError?.(err, client.id)
        socket.destroy()
      }
      void this.#pump(client)
    })
    // Half-open or silent clients don't get to hold a socket for long before signing in.
    const authTimer = this.#scram
      ? setTimeout(() => {
          if (!client.authenticated) socket.destroy()
        }, 30_000)
      : undefined
    authTimer?.unref()
    socket.on('close', () => {
      clearTimeout(authTimer)
      client.closed = true
      this.#clients.delete(client)
      if (!client.pumping) void this.#cleanUp(client)
    })
  }

  /** Splits input into messages; answers the startup packets (which carry no type byte) here. */
  #frame(c: Client): void {
    for (;;) {
      if (c.closed) return
      if (!c.started) {
        const packet = c.input.next(4, 0)
        if (!packet) return
        const code = packet.readInt32BE(4)
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) c.socket.write('N')
        else if (code === PROTOCOL_3) {
          c.started = true
          c.interactive = startupParameter(packet, 'application_name') === INTERACTIVE_APPLICATION
          if (this.#scram)
            c.socket.write(message('R', int32(10), cstring(SCRAM), Buffer.from([0]))) // AuthenticationSASL
          else this.#admit(c)
        } else {
          if (code !== CANCEL_REQUEST)
            c.socket.write(errorResponse('08P01', `unsupported frontend protocol ${code >>> 16}.${code & 0xffff}`))
          c.socket.end()
          return
        }
      } else {
        const m = c.input.next(5, 1)
        if (!m) return
        if (c.authenticated) c.pending.push(m)
        else if (!this.#authenticate(c, m)) return
      }
    }
  }

  #admit(c: Client): void {
    c.authenticated = true
    c.socket.write(
      Buffer.concat([
        this.#startupAnswer,
        message('K', int32(c.id), int32(randomInt(2 ** 31))),
        message('Z', Buffer.from('I')),
      ]),
    )
  }

  /** One SCRAM-SHA-256 step (RFC 5802/7677, as PostgreSQL does it). False: the client was refused. */
  #authenticate(c: Client, m: Buffer): boolean {
    const scram = this.#scram!
    const refuse = (reason: string) => {
      this.o.onAuthFailure?.(c.id, reason)
      c.socket.end(errorResponse('28P01', 'password authentication failed for user "postgres"'))
      c.closed = true
      c.input.clear()
      return false
    }
    if (m[0] !== 0x70 /* p */) return refuse(`sent '${String.fromCharCode(m[0]!)}' before authenticating`)
    if (c.scramFirstBare === undefined) {
      // SASLInitialResponse: mechanism, int32 length, client-first-message "n,,n=…,r=<nonce>"
      const end = m.indexOf(0, 5)
      if (end < 0 || m.toString('latin1', 5, end) !== SCRAM || end + 5 > m.length)
        return refuse('no SCRAM-SHA-256 initial response')
      const first = m.toString('utf8', end + 5)
      const gs2 = /^([ny]),([^,]*),/.exec(first)
      const bare = gs2 ? first.slice(gs2[0].length) : ''
      const nonce = /(?:^|,)r=([^,]+)/.exec(bare)?.[1]
      if (!gs2 || gs2[2] !== '' || !nonce) return refuse('malformed client-first-message')
      c.scramGs2 = gs2[0]
      c.scramFirstBare = bare
      c.scramNonce = nonce + randomBytes(18).toString('base64')
      c.scramServerFirst = `r=${c.scramNonce},s=${scram.salt.toString('base64')},i=${scram.iterations}`
      c.socket.write(message('R', int32(11), Buffer.from(c.scramServerFirst))) // AuthenticationSASLContinue
      return true
    }
    // SASLResponse: client-final-message "c=<gs2 header, base64>,r=<nonce>,p=<proof>"
    const final = m.toString('utf8', 5)
    const at = final.lastIndexOf(',p=')
    if (at < 0) return refuse('malformed client-final-message')
    const withoutProof = final.slice(0, at)
    const fields = new Map(withoutProof.split(',').map((f) => [f.slice(0, 1), f.slice(2)] as const))
    if (
      fields.get('r') !== c.scramNonce ||
      Buffer.from(fields.get('c') ?? '', 'base64').toString('utf8') !== c.scramGs2
    ) {
      return refuse('client-final-message does not match the exchange')
    }
    const proof = Buffer.from(final.slice(at + 3), 'base64')
    const authMessage = `${c.scramFirstBare},${c.scramServerFirst},${withoutProof}`
    const signature = hmac(scram.storedKey, authMessage)
    if (proof.length !== signature.length) return refuse('wrong password')
    const clientKey = Buffer.alloc(proof.length)
    for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i]! ^ signature[i]!
    if (!timingSafeEqual(sha256(clientKey), scram.storedKey)) return refuse('wrong password')
    c.socket.write(message('R', int32(12), Buffer.from(`v=${hmac(scram.serverKey, authMessage).toString('base64')}`))) // AuthenticationSASLFinal
    this.#admit(c)
    return true
  }

  /** Runs a client's queued messages group by group, each time with the session. */
  async #pump(c: Client): Promise<void> {
    if (c.pumping) return
    c.pumping = true
    try {
      while (!c.closed && c.pending.length > 0) {
        if (c.pending[0]![0] === 0x58 /* X: Terminate */) {
          c.socket.end()
          c.closed = true
          break
        }
        const batch = takeGroup(c.pending)
        const asked = this.o.onGroup && !c.endTurn ? performance.now() : 0
        await this.#acquire(c)
        c.waitedMs = asked ? performance.now() - asked : 0
        if (c.closed) break // it left while waiting: #cleanUp below still has the session
        await this.#run(c, batch)
      }
    } catch (err) {
      this.o.onError?.(err, c.id)
      c.closed = true
      c.socket.destroy()
    } finally {
      c.pumping = false
      if (c.closed) await this.#cleanUp(c)
    }
  }

  async #run(c: Client, batch: Buffer[]): Promise<void> {
    c.lastSql = sqlOf(batch) ?? c.lastSql
    if (!c.turnSql || /^BEGIN\b/i.test(c.turnSql)) c.turnSql = c.lastSql
    c.lastBatch = batch
    const renamed = batch.map((m) => c.renameStatements(m))
    const started = this.o.onGroup ? performance.now() : 0
    c.running = true
    let out: Buffer
    try {
      out = await this.#exec(renamed.length === 1 ? renamed[0]! : Buffer.concat(renamed))
      // PGlite (0.3.14-timescaledb) sometimes answers an extended-protocol group only up to
      // one of its messages (seen under heavy load in long ingest runs: Parse and Bind
      // answered, Describe, Execute and Sync not, the client then waiting for ever for
      // its ReadyForQuery). The messages it did not answer are handed to it again, so the
      // session goes on from where it stopped (the unnamed portal is still there).
      for (
        let resumed = 0;
        resumed < 5 && renamed.length > 1 && renamed[renamed.length - 1]![0] === 0x53 /* S */;
        resumed++
      ) {
        const done = answeredMessages(renamed, out)
        if (done === null || done >= renamed.length) break
        this.o.onResume?.(
          c.id,
          done,
          renamed.length,
          `${c.lastSql} [sent ${renamed.map((m) => String.fromCharCode(m[0]!)).join('')}, answered ${messageTypes(out)}]`,
        )
        out = Buffer.concat([out, await this.#exec(Buffer.concat(renamed.slice(done)))])
      }
    } finally {
      c.running = false
      c.lastActive = Date.now()
    }
    if (this.o.onGroup) this.o.onGroup(c.lastSql, performance.now() - started, c.waitedMs, c.interactive)
    c.lastAnswer = out
    c.socket.write(out)
    const status = readyStatus(out)
    if (status) c.txStatus = status
    c.midGroup = !GROUP_END.has(String.fromCharCode(batch[batch.length - 1]![0]!))
    if (c.midGroup || c.txStatus !== 'I') return
    if (c.advisoryLocks || batch.some(mentionsAdvisoryLock)) c.advisoryLocks = await this.#advisoryLocksHeld()
    if (!c.advisoryLocks) this.#release(c)
  }

  /** Leaves the session as it would be had this client never connected, then hands it on. */
  async #cleanUp(c: Client): Promise<void> {
    if (c.cleanedUp) return
    c.cleanedUp = true
    const undo: Buffer[] = []
    if (c.midGroup) undo.push(message('S'))
    if (c.txStatus !== 'I') undo.push(message('Q', cstring('ROLLBACK')))
    if (c.advisoryLocks) undo.push(message('Q', cstring('SELECT pg_advisory_unlock_all()')))
    if (c.statements.size > 0) {
      for (const name of c.statements) undo.push(message('C', Buffer.from('S'), cstring(name)))
      undo.push(message('S'))
    }
    try {
      if (undo.length > 0 && !this.#stopping) {
        await this.#acquire(c)
        await this.#exec(Buffer.concat(undo))
      }
    } catch (err) {
      this.o.onError?.(err, c.id)
    } finally {
      this.#release(c)
    }
  }

  /** Only with a turn (which holds PGlite's query lock). */
  async #exec(input: Buffer): Promise<Buffer> {
    // Not execProtocolRaw: PGlite 0.3 parses every backend message it emits into an
    // object and appends it to a list that only execProtocol (and execProtocolStream)
    // empty. Called raw, that list kept every row ever answered: the embedded process's
    // heap grew by the volume of the answers (about 2 MB/s at 3,000 events/s in the soak
    // benchmark) until collection stalled the database. `data` is the same raw answer.
    // Buffer.from copies: it is a view of PGlite's receive buffer, reused by the next call.
    const { data } = await this.o.db.execProtocol(input, { throwOnError: false })
    return Buffer.from(data)
  }

  async #advisoryLocksHeld(): Promise<boolean> {
    const out = await this.#exec(message('Q', cstring(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'`)))
    return firstValue(out) !== '0'
  }

  /**
   * A turn with the session is a hold on PGlite's own query lock (FIFO), so anything
   * else in this process that takes it (db.query, backup snapshots under
   * db.runExclusive) also runs only between two clients' turns, never inside one's
   * transaction. Clients queue here, by lane, and only the one chosen next asks for
   * the lock: the order among clients is this queue's.
   */
  #acquire(c: Client): Promise<void> {
    if (c.endTurn) return Promise.resolve()
    return new Promise((granted) => {
      this.#waiting[c.interactive ? 'interactive' : 'background'].push({ client: c, granted })
      this.#next()
    })
  }

  /** Grants the next turn, when none is taken: interactive first, a background one after PRIORITY_RUN of those. */
  #next(): void {
    if (this.#turnTaken) return
    const { interactive, background } = this.#waiting
    const backgroundsTurn = background.length > 0 && (interactive.length === 0 || this.#interactiveRun >= PRIORITY_RUN)
    const w = backgroundsTurn ? background.shift() : interactive.shift()
    if (!w) return
    this.#interactiveRun = backgroundsTurn ? 0 : this.#interactiveRun + 1
    this.#turnTaken = true
    const c = w.client
    void this.o.db.runExclusive(
      () =>
        new Promise<void>((endTurn) => {
          c.endTurn = () => {
            endTurn()
            this.#turnTaken = false
            this.#next()
          }
          this.#holder = { client: c, since: Date.now(), warned: false }
          w.granted()
        }),
    )
  }

  #release(c: Client): void {
    const endTurn = c.endTurn
    c.endTurn = undefined
    if (this.#holder?.client === c) {
      this.o.onTurn?.(Date.now() - this.#holder.since, c.turnSql, c.interactive)
      this.#holder = undefined
    }
    c.turnSql = ''
    endTurn?.()
  }
}

interface Waiter {
  client: Client
  granted: () => void
}

class Client {
  readonly input = new FrameReader()
  /** Complete frontend messages not yet run. */
  readonly pending: Buffer[] = []
  /** This client's named prepared statements, by their name in the session. */
  readonly statements = new Set<string>()
  started = false
  authenticated = false
  /** SCRAM exchange so far (between its two client messages). */
  scramGs2 = ''
  scramFirstBare: string | undefined
  scramNonce = ''
  scramServerFirst = ''
  pumping = false
  closed = false
  cleanedUp = false
  txStatus: 'I' | 'T' | 'E' = 'I'
  /** Sent part of an extended-protocol group without its Sync yet. */
  midGroup = false
  advisoryLocks = false
  /** Inside a message group at the database. */
  running = false
  /** When its last message group finished. */
  lastActive = Date.now()
  /** Diagnostics: its last group and the answer to it (their message types are read only for a warning). */
  lastBatch: Buffer[] = []
  lastAnswer: Buffer = Buffer.alloc(0)
  /** The last SQL text this client sent (simple Query or Parse), for diagnostics. */
  lastSql = ''
  /** Connected as INTERACTIVE_APPLICATION: served first. */
  interactive = false
  /** The first SQL of its current turn, for onTurn. */
  turnSql = ''
  /** How long its current group waited for the session. */
  waitedMs = 0
  /** Set while this client has the session: ends its turn. */
  endTurn: (() => void) | undefined

  constructor(
    readonly id: number,
    readonly socket: Socket,
  ) {}

  /** The message types of its last group and of the answer to it, for warnings. */
  exchange(): string {
    return `sent ${this.lastBatch.map((m) => String.fromCharCode(m[0]!)).join('')}, answered ${messageTypes(this.lastAnswer)}`
  }

  /** Gives protocol-level statement names a per-client suffix (Parse, Bind, Describe 'S', Close 'S'). */
  renameStatements(m: Buffer): Buffer {
    const type = String.fromCharCode(m[0]!)
    let at: number
    if (type === 'P') at = 5
    else if (type === 'B')
      at = m.indexOf(0, 5) + 1 // after the portal name
    else if ((type === 'D' || type === 'C') && m[5] === 0x53 /* 'S' */) at = 6
    else return m
    const end = m.indexOf(0, at)
    if (end === at) return m // the unnamed statement
    const name = `${m.toString('utf8', at, end)}@${this.id}`
    if (type === 'P') this.statements.add(name)
    if (type === 'C') this.statements.delete(name)
    return message(type, m.subarray(5, at), cstring(name), m.subarray(end + 1))
  }
}

const SCRAM = 'SCRAM-SHA-256'

interface ScramVerifier {
  salt: Buffer
  iterations: number
  storedKey: Buffer
  serverKey: Buffer
}

/** What PostgreSQL keeps in pg_authid for a SCRAM password; a new salt each start. */
function scramVerifier(password: string): ScramVerifier {
  const salt = randomBytes(16)
  const iterations = 4096
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256')
  return { salt, iterations, storedKey: sha256(hmac(salted, 'Client Key')), serverKey: hmac(salted, 'Server Key') }
}

function hmac(key: Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text).digest()
}

function sha256(b: Buffer): Buffer {
  return createHash('sha256').update(b).digest()
}

/** Messages up to and including the first that ends a group (or a Flush, or all there are). */
function takeGroup(pending: Buffer[]): Buffer[] {
  let n = 0
  while (n < pending.length) {
    const type = String.fromCharCode(pending[n]![0]!)
    n++
    if (GROUP_END.has(type) || type === 'H' || type === 'X') break
  }
  if (pending[n - 1]?.[0] === 0x58) n-- // leave Terminate for the pump
  return pending.splice(0, Math.max(n, 1))
}

/**
 * How many of a group's extended-protocol messages (Parse, Bind, Describe, Execute,
 * Close, Sync) a backend answer fully answers, in order; null when the answer holds an
 * error or a message this does not follow (then nothing is resumed).
 */
export function answeredMessages(batch: readonly Buffer[], out: Buffer): number | null {
  const types: string[] = []
  for (let i = 0; i + 5 <= out.length; i += 1 + out.readInt32BE(i + 1)) {
    const t = String.fromCharCode(out[i]!)
    if (t === 'E') return null
    if (t !== 'N' && t !== 'S' && t !== 'A') types.push(t) // notices, parameter status, notifications come anywhere
  }
  let k = 0
  for (const [n, m] of batch.entries()) {
    const f = String.fromCharCode(m[0]!)
    if (f === 'P' || f === 'B' || f === 'C' || f === 'S') {
      const want = f === 'P' ? '1' : f === 'B' ? '2' : f === 'C' ? '3' : 'Z'
      if (k >= types.length) return n
      if (types[k] !== want) return null
      k++
    } else if (f === 'D') {
      if (types[k] === 't') k++
      if (k >= types.length) return n
      if (types[k] !== 'T' && types[k] !== 'n') return null
      k++
    } else if (f === 'E') {
      while (types[k] === 'D') k++
      if (k >= types.length) return n
      if (!['C', 'I', 's'].includes(types[k]!)) return null
      k++
    } else {
      return null
    }
  }
  return batch.length
}

/** A parameter of a StartupMessage (int32 length, int32 protocol, then name/value C strings up to an empty name). */
function startupParameter(packet: Buffer, name: string): string | undefined {
  const fields = packet.toString('utf8', 8).split('\0')
  for (let i = 0; i + 1 < fields.length && fields[i] !== ''; i += 2) if (fields[i] === name) return fields[i + 1]
  return undefined
}

/** The types of the messages in a backend answer, runs shortened (D×120). */
function messageTypes(out: Buffer): string {
  const types: string[] = []
  for (let i = 0; i + 5 <= out.length; i += 1 + out.readInt32BE(i + 1)) types.push(String.fromCharCode(out[i]!))
  return types.join('').replace(/(.)\1{3,}/g, (run, t: string) => `${t}×${run.length}`)
}

/** Status byte of the last ReadyForQuery in a backend answer. */
function readyStatus(out: Buffer): 'I' | 'T' | 'E' | undefined {
  let status: 'I' | 'T' | 'E' | undefined
  for (let i = 0; i + 5 <= out.length; i += 1 + out.readInt32BE(i + 1)) {
    if (out[i] === 0x5a /* Z */) status = String.fromCharCode(out[i + 5]!) as 'I' | 'T' | 'E'
  }
  return status
}

/** The first column of the first DataRow of a backend answer, as text. */
function firstValue(out: Buffer): string | undefined {
  for (let i = 0; i + 5 <= out.length; i += 1 + out.readInt32BE(i + 1)) {
    if (out[i] === 0x44 /* D */ && out.readInt16BE(i + 5) > 0) {
      const len = out.readInt32BE(i + 7)
      return len < 0 ? undefined : out.toString('utf8', i + 11, i + 11 + len)
    }
  }
  return undefined
}

function mentionsAdvisoryLock(m: Buffer): boolean {
  return (m[0] === 0x51 || m[0] === 0x50) && /advisory_(xact_)?lock|advisory_unlock/i.test(m.toString('utf8', 5))
}

/** Accumulates socket chunks and cuts length-prefixed frames without re-copying on every chunk. */
class FrameReader {
  #chunks: Buffer[] = []
  #length = 0

  clear(): void {
    this.#chunks = []
    this.#length = 0
  }

  push(chunk: Buffer): void {
    this.#chunks.push(chunk)
    this.#length += chunk.length
  }

  /** The next frame whose int32 length sits at `lengthAt` (and counts from there), if complete. */
  next(headerSize: number, lengthAt: number): Buffer | undefined {
    if (this.#length < headerSize) return undefined
    if (this.#chunks[0]!.length < headerSize) this.#chunks = [Buffer.concat(this.#chunks)]
    const size = lengthAt + this.#chunks[0]!.readInt32BE(lengthAt)
    if (size < headerSize) throw new Error(`invalid message length ${size}`)
    if (this.#length < size) return undefined
    if (this.#chunks[0]!.length < size) this.#chunks = [Buffer.concat(this.#chunks)]
    const head = this.#chunks[0]!
    const frame = head.subarray(0, size)
    if (head.length === size) this.#chunks.shift()
    else this.#chunks[0] = head.subarray(size)
    this.#length -= size
    return frame
  }
}

function message(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts)
  const head = Buffer.alloc(5)
  head.write(type, 0, 'latin1')
  head.writeInt32BE(body.length + 4, 1)
  return Buffer.concat([head, body])
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  return b
}

function cstring(s: string): Buffer {
  return Buffer.from(`${s}\0`, 'utf8')
}

function errorResponse(code: string, text: string): Buffer {
  return message('E', cstring('SFATAL'), cstring('VFATAL'), cstring(`C${code}`), cstring(`M${text}`), Buffer.from([0]))
}

/** The SQL text of a group's simple Query or Parse message, shortened, for diagnostics. */
function sqlOf(batch: Buffer[]): string | undefined {
  for (const m of batch) {
    const type = m[0]
    if (type !== 0x51 /* Q */ && type !== 0x50 /* P */) continue
    let at = 5
    if (type === 0x50) at = m.indexOf(0, at) + 1 // skip the statement name
    const end = m.indexOf(0, at)
    return m
      .subarray(at, end < 0 ? undefined : end)
      .toString('utf8')
      .replace(/\s+/g, ' ')
      .slice(0, 300)
  }
  return undefined
}
