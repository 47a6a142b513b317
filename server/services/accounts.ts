import { randomInt } from 'node:crypto'
import type pg from 'pg'
import {
  changeUser,
  findUserByName,
  insertUser,
  listUsers,
  type UserChange,
  type UserListRow,
} from '../db/users-repo.ts'
import { hashPassword, verifyPassword, type PasswordHashCost } from '../lib/passwords.ts'
import { AppError, NotFoundError } from '../lib/errors.ts'
import type { UserRole } from '../domain/roles.ts'

/**
 * People's accounts (issue 12.1): created by an admin (or the admin CLI) with a
 * one-time password that must be replaced at the first sign-in; reset the same way;
 * disabled and enabled; role, hub and name changed. Every change that takes
 * something away (reset, disable, role or hub) ends the person's sessions; the
 * caller closes their websockets with the hashes returned.
 */

export const MIN_PASSWORD_LENGTH = 10

export class AccountError extends AppError {
  constructor(status: number, code: string, message: string, field?: string) {
    super(status, code, message, field ? [{ field, message }] : undefined)
  }
}

/** Readable over the phone: no 0/o, 1/l/i. Four groups of four, ~79 bits. */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'
export function oneTimePassword(): string {
  const groups = Array.from({ length: 4 }, () =>
    Array.from({ length: 4 }, () => ALPHABET[randomInt(ALPHABET.length)]).join(''),
  )
  return groups.join('-')
}

/** A new password a person chose: long enough, not their user name, not the one they replace. */
export function checkNewPassword(username: string, password: string, field = 'newPassword'): void {
  if ([...password].length < MIN_PASSWORD_LENGTH)
    throw new AccountError(
      400,
      'weak_password',
      `The new password needs at least ${MIN_PASSWORD_LENGTH} characters`,
      field,
    )
  if (password.trim().toLowerCase() === username.toLowerCase())
    throw new AccountError(400, 'weak_password', 'The new password must not be the user name', field)
}

export interface AccountView {
  username: string
  displayName: string
  role: UserRole
  hubCode: string | null
  disabled: boolean
  mustChangePassword: boolean
  lastLoginAt: string | null
  createdAt: string
}

const view = (u: UserListRow): AccountView => ({
  ...u,
  lastLoginAt: u.lastLoginAt ? new Date(u.lastLoginAt).toISOString() : null,
  createdAt: new Date(u.createdAt).toISOString(),
})

export async function listAccounts(db: pg.Pool): Promise<AccountView[]> {
  return (await listUsers(db)).map(view)
}

export async function accountOf(db: pg.Pool, username: string): Promise<AccountView> {
  const found = (await listUsers(db)).find((u) => u.username === username)
  if (!found) throw new NotFoundError(`No user ${username}`)
  return view(found)
}

/** Creates a person with a one-time password (returned once, never stored) to be replaced at the first sign-in. */
export async function createAccount(
  db: pg.Pool,
  u: { username: string; displayName: string; role: UserRole; hubCode: string | null },
  cost: PasswordHashCost,
): Promise<{ oneTimePassword: string }> {
  const password = oneTimePassword()
  try {
    await insertUser(db, { ...u, passwordHash: await hashPassword(password, cost), mustChangePassword: true })
  } catch (err) {
    if ((err as { code?: string }).code === '23505')
      throw new AccountError(409, 'username_taken', `The user name ${u.username} is taken`, 'username')
    throw err
  }
  return { oneTimePassword: password }
}

function outcome(r: Awaited<ReturnType<typeof changeUser>>, username: string): string[] {
  if (r === 'no_user') throw new NotFoundError(`No user ${username}`)
  if (r === 'last_admin')
    throw new AccountError(409, 'last_admin', 'This is the last enabled admin: make someone else admin first')
  if (r === 'stale') throw new AccountError(409, 'conflict', 'The password changed meanwhile; try again')
  return r.ended
}

/** A new one-time password; the person must replace it at their next sign-in. Ends their sessions. */
export async function resetPassword(
  db: pg.Pool,
  username: string,
  cost: PasswordHashCost,
  now: Date,
): Promise<{ oneTimePassword: string; ended: string[] }> {
  const password = oneTimePassword()
  const ended = outcome(
    await changeUser(
      db,
      username,
      { passwordHash: await hashPassword(password, cost), mustChangePassword: true },
      now,
      { endSessions: true },
    ),
    username,
  )
  return { oneTimePassword: password, ended }
}

export async function setDisabled(db: pg.Pool, username: string, disabled: boolean, now: Date): Promise<string[]> {
  return outcome(await changeUser(db, username, { disabled }, now, { endSessions: disabled }), username)
}

/** Role, hub or display name. A new role or hub ends their sessions: they sign in again under it. */
export async function updateAccount(
  db: pg.Pool,
  username: string,
  change: Pick<UserChange, 'role' | 'hubCode' | 'displayName'>,
  now: Date,
): Promise<string[]> {
  const current = await findUserByName(db, username)
  if (!current) throw new NotFoundError(`No user ${username}`)
  const scopeChanged =
    (change.role !== undefined && change.role !== current.role) ||
    (change.hubCode !== undefined && change.hubCode !== current.hubCode)
  return outcome(await changeUser(db, username, change, now, { endSessions: scopeChanged }), username)
}

/**
 * A person replaces their own password, proving the current one. Their other
 * sessions end; the one they use stays. Clears "must change".
 */
export async function changeOwnPassword(
  db: pg.Pool,
  userId: number,
  username: string,
  current: string,
  next: string,
  keepTokenHash: string,
  cost: PasswordHashCost,
  now: Date,
): Promise<{ ended: string[] } | 'wrong_password'> {
  const user = await findUserByName(db, username)
  if (!user || user.id !== userId || !(await verifyPassword(current, user.passwordHash))) return 'wrong_password'
  checkNewPassword(username, next)
  if (next === current)
    throw new AccountError(400, 'weak_password', 'The new password must differ from the current one', 'newPassword')
  const ended = outcome(
    await changeUser(db, username, { passwordHash: await hashPassword(next, cost), mustChangePassword: false }, now, {
      endSessions: true,
      keepTokenHash,
      ifHash: user.passwordHash,
    }),
    username,
  )
  return { ended }
}
