import { mkdtemp } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { loadConfig } from '../../server/config.ts'
import { createLogger } from '../../server/lib/logger.ts'
import { startSystem, type System } from '../../server/system.ts'
import { createApiToken, createUser } from '../../server/services/auth.ts'
import type { UserRole } from '../../server/domain/roles.ts'
import { removeDir, seedDataDir, serverTestDatabase } from './test-db.ts'

export const ADMIN_PASSWORD = 'admin-password-for-tests'
export const USER_PASSWORD = 'password-for-tests'

export interface TestSystem extends System {
  dataDir: string
  token: string
  stop(): Promise<void>
}

/**
 * The whole product in this process: embedded TimescaleDB in a temp dir, real Redis, a queue prefix of its own.
 * Passwords are hashed at PASSWORD_HASH_COST=low unless env says otherwise (tests sign in a lot).
 * Its database starts as a copy of the run's migrated template (test-db.ts); a DATA_DIR given in `env` is used
 * as it is (a fresh one then really starts from nothing). Under `npm run test:server` the database is one of its
 * own on the TimescaleDB server instead, copied from the template there.
 */
export async function startTestSystem(env: Record<string, string> = {}): Promise<TestSystem> {
  const dataDir = env.DATA_DIR ?? (await mkdtemp(path.join(os.tmpdir(), 'pw-test-')))
  // RUN_WORKERS=false: nothing refreshes in the background, as on the embedded engine (where the policies are a
  // worker's job), so the server's own scheduler is paused in this database too.
  const serverDb = env.DATABASE_URL
    ? undefined
    : await serverTestDatabase(env.DATA_DIR, { paused: env.RUN_WORKERS === 'false' })
  if (!env.DATA_DIR && !serverDb) await seedDataDir(dataDir)
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    ADMIN_PASSWORD,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    QUEUE_PREFIX: `{t${randomBytes(4).toString('hex')}}`,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    PASSWORD_HASH_COST: 'low',
    // An answer outside the wire contract (contract/routes.ts) is a 500: every call is a contract test.
    RESPONSE_CHECK: 'throw',
    ...(serverDb ? { DATABASE_URL: serverDb.url } : {}),
    // Older tests sweep once and expect a one-parcel alert at once; alerts-policy tests pass the defaults back.
    ALERT_PENDING_MINUTES: '0',
    PAGE_MIN_PARCELS: '1',
    ...env,
  })
  const system = await startSystem(config, createLogger(config.logLevel)).catch(async (err: unknown) => {
    await serverDb?.drop()
    throw err
  })
  const token = await createApiToken(system.database.pool, 'tests', 'integrator', null)
  return {
    ...system,
    dataDir,
    token,
    async stop() {
      await system.close()
      await serverDb?.drop()
      if (!env.DATA_DIR) await removeDir(dataDir)
    },
  }
}

/** A person with USER_PASSWORD (or o.password), hashed at the system's PASSWORD_HASH_COST. */
export async function addUser(
  sys: System,
  username: string,
  role: UserRole,
  o: { hubCode?: string | null; password?: string } = {},
): Promise<void> {
  await createUser(
    sys.database.pool,
    { username, displayName: username, role, password: o.password ?? USER_PASSWORD, hubCode: o.hubCode ?? null },
    sys.config.passwordHashCost,
  )
}

/** Signs in and returns the session cookie ("pw_session=..."). */
export async function login(sys: System, username: string, password = USER_PASSWORD): Promise<string> {
  const res = await fetch(`${sys.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  if (res.status !== 200) throw new Error(`login as ${username} failed: ${res.status} ${await res.text()}`)
  const cookie = res.headers.get('set-cookie')?.split(';')[0]
  if (!cookie) throw new Error('no session cookie')
  return cookie
}

export interface CallOptions {
  cookie?: string
  token?: string
  body?: unknown
  rawBody?: string
}

export async function call(
  sys: System,
  method: string,
  urlPath: string,
  o: CallOptions = {},
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = {}
  if (o.cookie) headers.cookie = o.cookie
  if (o.token) headers.authorization = `Bearer ${o.token}`
  if (o.body !== undefined || o.rawBody !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(`${sys.url}${urlPath}`, {
    method,
    headers,
    body: o.rawBody ?? (o.body === undefined ? undefined : JSON.stringify(o.body)),
  })
  const text = await res.text()
  let body: unknown = text
  try {
    body = text ? JSON.parse(text) : null
  } catch {
    /* not JSON */
  }
  return { status: res.status, body }
}
