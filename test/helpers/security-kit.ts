import WebSocket from 'ws'
import type { RouteDef } from '../../server/http/route-kit.ts'
import { serverFrame, type ControlFrame, type ServerFrame } from '../../contract/live.ts'

/**
 * A concrete value for every path parameter the route table uses. A route with a
 * parameter missing here makes the security tests fail: add a sample for it.
 */
const PARAM_SAMPLES: Record<string, string> = {
  waybill: 'PW000000000001',
  id: '999999',
  day: '2031-12-24',
  username: 'no-such-user',
  code: 'no_such_code',
}

export function concretePath(path: string, samples: Record<string, string> = {}): string {
  return path.replace(/:([A-Za-z_]+)/g, (_m, name: string) => {
    const v = samples[name] ?? PARAM_SAMPLES[name]
    if (v === undefined)
      throw new Error(`no sample value for path parameter :${name} of ${path}; add one to test/helpers/security-kit.ts`)
    return v
  })
}

export const routeKey = (r: Pick<RouteDef, 'method' | 'path'>): string => `${r.method.toUpperCase()} ${r.path}`

export interface WsConn {
  ws: WebSocket
  /** The frames received, each checked against the wire contract (contract/live.ts). */
  messages: ServerFrame[]
  /** Text frames that were not JSON, or not a frame of the wire contract (there should be none). */
  nonJson: string[]
  opened: Promise<void>
  closed: Promise<{ code: number; reason: string }>
}

/** Opens /ws with a cookie and the server's own Origin; `unexpected` resolves the HTTP status of a refused upgrade. */
export function openWs(
  baseUrl: string,
  query: string,
  headers: Record<string, string>,
): WsConn & { refused: Promise<number | undefined> } {
  const ws = new WebSocket(`${baseUrl.replace('http', 'ws')}/ws${query}`, { headers: { origin: baseUrl, ...headers } })
  const messages: ServerFrame[] = []
  const nonJson: string[] = []
  ws.on('message', (d) => {
    const text = d.toString()
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      nonJson.push(text)
      return
    }
    // The frame as received (not the parsed copy), as test/helpers/api.ts keeps answers: a test still sees
    // fields the schema does not name.
    if (serverFrame.safeParse(json).success) messages.push(json as ServerFrame)
    else nonJson.push(text)
  })
  ws.on('error', () => undefined)
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  )
  const refused = new Promise<number | undefined>((resolve) => {
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode)
      ws.terminate()
    })
    ws.on('open', () => resolve(undefined))
    ws.on('close', () => resolve(undefined))
  })
  const opened = new Promise<void>((resolve, reject) => {
    ws.on('open', () => resolve())
    ws.on('close', () => reject(new Error('closed before open')))
  })
  opened.catch(() => undefined)
  return { ws, messages, nonJson, opened, closed, refused }
}

/** The data frames (hello, kpi, map, finance, parcel, alerts), and the frame of one type. */
export type DataFrameType = Exclude<ServerFrame['type'], ControlFrame['type']>
export type FrameOf<T extends DataFrameType> = Extract<ServerFrame, { type: T }>
export const isFrame = <T extends DataFrameType>(m: ServerFrame, type: T): m is FrameOf<T> => m.type === type

/** The first frame of `type` among `messages` that `match` accepts (any, by default), typed as one. */
export function frameOf<T extends DataFrameType>(
  messages: readonly ServerFrame[],
  type: T,
  match: (m: FrameOf<T>) => boolean = () => true,
): FrameOf<T> | undefined {
  for (const m of messages) if (isFrame(m, type) && match(m)) return m
  return undefined
}

/** The first control frame of a type (and, if given, code) among `messages`, typed as one. */
export function controlFrame(
  messages: readonly ServerFrame[],
  type: ControlFrame['type'],
  code?: string,
): ControlFrame | undefined {
  for (const m of messages) if (m.type === type && (code === undefined || m.code === code)) return m
  return undefined
}

export async function waitFor<T>(f: () => T | undefined | false, what: string, ms = 15_000): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const v = f()
    if (v !== undefined && v !== false) return v
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}
