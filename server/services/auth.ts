import { createHash } from 'node:crypto'
import type pg from 'pg'
import {
  countUsers,
  deleteSession,
  replacePasswordHash,
  findApiToken,
  findSessionUser,
  findUserByName,
  insertApiToken,
  insertSession,
  insertUser,
} from '../db/users-repo.ts'
import {
  dummyHash,
  hashPassword,
  needsRehash,
  randomToken,
  verifyPassword,
  type PasswordHashCost,
} from '../lib/passwords.ts'
import type { DisplayRole, TokenRole, UserRole } from '../domain/roles.ts'
import { AppError } from '../lib/errors.ts'
import { insertDisplay, touchDisplay } from '../db/displays-repo.ts'
import type { Logger } from '../lib/logger.ts'

export type Principal =
  | {
      kind: 'user'
      userId: number
      username: string
      displayName: string
      role: UserRole
      hubCode: string | null
      sessionHash: string
      mustChangePassword: boolean
    }
  | { kind: 'token'; tokenId: number; name: string; role: TokenRole }
  | { kind: 'display'; displayId: number; name: string; role: DisplayRole }

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex')

export class InvalidCredentialsError extends AppError {
  constructor() {
    super(401, 'invalid_credentials', 'Wrong user name or password')
  }
}

/** Where a sign-in's time went, in ms (the Server-Timing header of the sign-in's answer). */
export type LoginTimings = Partial<Record<'user' | 'hash' | 'session' | 'rehash', number>>

export async function login(
  db: pg.Pool,
  username: string,
  password: string,
  ttlMs: number,
  now: Date,
  cost: PasswordHashCost = 'default',
  timings: LoginTimings = {},
) {
  const timed = async <T>(step: keyof LoginTimings, work: Promise<T>): Promise<T> => {
    const t = performance.now()
    try {
      return await work
    } finally {
      timings[step] = performance.now() - t
    }
  }
  const user = await timed('user', findUserByName(db, username.trim().toLowerCase()))
  // Spend the same time whether or not the user exists.
  const ok = await timed('hash', verifyPassword(password, user?.passwordHash ?? dummyHash(cost)))
  if (!user || !ok || user.disabled) throw new InvalidCredentialsError()
  const token = randomToken()
  const expiresAt = new Date(now.getTime() + ttlMs)
  // No session if the password was reset or the person disabled since the row was read.
  if (!(await timed('session', insertSession(db, sha256(token), user.id, expiresAt, user.passwordHash, now))))
    throw new InvalidCredentialsError()
  // A hash from before argon2id (or weaker than today's cost) is replaced now that the password is known good.
  if (needsRehash(user.passwordHash, cost))
    await timed(
      'rehash',
      hashPassword(password, cost).then((h) => replacePasswordHash(db, user.id, user.passwordHash, h)),
    )
  return {
    token,
    expiresAt,
    user: {
      username: user.username,
      displayName: user.displayName,
      role: user.role,
      hubCode: user.hubCode,
      mustChangePassword: user.mustChangePassword,
    },
  }
}

export async function logout(db: pg.Pool, sessionHash: string): Promise<void> {
  await deleteSession(db, sessionHash)
}

/** The person behind a session cookie, unless the session expired or sat unused longer than idleMs. */
export async function principalFromSession(
  db: pg.Pool,
  token: string,
  now: Date,
  idleMs: number,
): Promise<Principal | undefined> {
  const hash = sha256(token)
  const u = await findSessionUser(db, hash, now, idleMs)
  return (
    u && {
      kind: 'user',
      userId: u.id,
      username: u.username,
      displayName: u.displayName,
      role: u.role,
      hubCode: u.hubCode,
      sessionHash: hash,
      mustChangePassword: u.mustChangePassword,
    }
  )
}

export async function principalFromApiToken(db: pg.Pool, token: string): Promise<Principal | undefined> {
  const t = await findApiToken(db, sha256(token))
  return t && { kind: 'token', tokenId: t.id, name: t.name, role: t.role }
}

export async function createApiToken(
  db: pg.Pool,
  name: string,
  role: TokenRole,
  createdBy: number | null,
): Promise<string> {
  const token = `pwt_${randomToken()}`
  await insertApiToken(db, name, sha256(token), role, createdBy)
  return token
}

export async function createUser(
  db: pg.Pool,
  u: { username: string; displayName: string; role: UserRole; password: string; hubCode?: string | null },
  cost: PasswordHashCost = 'default',
) {
  return insertUser(db, { ...u, passwordHash: await hashPassword(u.password, cost) })
}

/**
 * At first start, creates the first admin with ADMIN_PASSWORD, or with a one-time
 * password printed once to the log (the only secret ever logged, on purpose).
 */
export async function bootstrapAdmin(
  db: pg.Pool,
  adminPassword: string | undefined,
  log: Logger,
  cost: PasswordHashCost = 'default',
): Promise<void> {
  if ((await countUsers(db)) > 0) return
  const password = adminPassword ?? randomToken(12)
  await createUser(db, { username: 'admin', displayName: 'Administrator', role: 'admin', password }, cost)
  if (adminPassword) log.info({ username: 'admin' }, 'first admin created with ADMIN_PASSWORD')
  else
    log.warn(
      { username: 'admin', oneTimePassword: password },
      'first admin created: sign in as admin with this one-time password',
    )
}

/** Enrols a wall screen: the token is shown once, only its hash is kept. */
export async function createDisplayToken(
  db: pg.Pool,
  name: string,
  createdBy: number | null,
): Promise<{ id: number; token: string }> {
  const token = `pwd_${randomToken()}`
  const id = await insertDisplay(db, name, sha256(token), createdBy)
  return { id, token }
}

export async function principalFromDisplayToken(db: pg.Pool, token: string): Promise<Principal | undefined> {
  if (!token.startsWith('pwd_') || token.length > 200) return undefined
  const d = await touchDisplay(db, sha256(token))
  return d && { kind: 'display', displayId: d.id, name: d.name, role: 'display' }
}
