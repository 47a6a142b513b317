/**
 * npm run admin -- reset <username>
 * npm run admin -- create <username> [--role=admin] [--name=<display name>] [--hub=<hub code>]
 *
 * For an operator locked out of the product: gives a person (by default a new admin)
 * a one-time password, printed once, to be replaced at the first sign-in. A reset
 * also re-enables the account, lifts nothing else and ends its sessions (their open
 * pages drop within a minute). Uses the server's environment: DATABASE_URL, or the
 * embedded database in DATA_DIR while the server is stopped.
 */
import path from 'node:path'
import { parseArgs } from 'node:util'
import { loadConfig } from '../config.ts'
import { createLogger } from '../lib/logger.ts'
import { openDatabase } from '../db/database.ts'
import { migrate } from '../db/migrate.ts'
import { serverRunning } from '../backup/embedded.ts'
import { changeUser, findUserByName } from '../db/users-repo.ts'
import { AccountError, createAccount, resetPassword } from '../services/accounts.ts'
import { USER_ROLES, type UserRole } from '../domain/roles.ts'
import { runCli, UsageError } from './run-cli.ts'

const USAGE = `usage: npm run admin -- reset <username>
       npm run admin -- create <username> [--role=admin] [--name=<display name>] [--hub=<hub code>]
  Prints a one-time password for <username>, to be replaced at the first sign-in.
  reset   also re-enables the account and ends its sessions
  create  a new person (role ${USER_ROLES.join(' | ')}; default admin)
  Same environment as the server: DATABASE_URL, or DATA_DIR for the embedded database
  (stop the server first, or point DATABASE_URL at the database URL its log shows).`

runCli(USAGE, async (argv, out) => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { role: { type: 'string' }, name: { type: 'string' }, hub: { type: 'string' }, help: { type: 'boolean' } },
  })
  if (values.help) return void out(USAGE)
  const [command, rawName, ...rest] = positionals
  if (command !== 'reset' && command !== 'create')
    throw new UsageError(command ? `unknown command ${command}` : 'name a command: reset or create')
  if (!rawName) throw new UsageError('name the user')
  if (rest.length > 0) throw new UsageError(`unexpected ${rest.join(' ')}`)
  const username = rawName.trim().toLowerCase()
  if (!/^[a-z0-9._-]{2,40}$/.test(username))
    throw new UsageError('a user name is 2 to 40 of a-z, 0-9, dot, dash, underscore')
  const role = (values.role ?? 'admin') as UserRole
  if (!USER_ROLES.includes(role)) throw new UsageError(`--role must be one of ${USER_ROLES.join(', ')}`)
  if (command === 'reset' && (values.role || values.name || values.hub)) throw new UsageError('reset takes no options')

  const config = loadConfig()
  if (!config.databaseUrl && (await serverRunning(path.resolve(config.dataDir, 'pg')))) {
    throw new UsageError(
      `the server is running on ${config.dataDir}: stop it first, or set DATABASE_URL to the embedded database URL its log shows ("embedded TimescaleDB ready")`,
    )
  }
  const log = createLogger('warn')
  const database = await openDatabase(
    { ...config, embeddedPgPort: config.databaseUrl ? config.embeddedPgPort : 0 },
    log,
  )
  try {
    await migrate(database.pool, log)
    const db = database.pool
    const now = new Date()
    if (command === 'create') {
      const { oneTimePassword } = await createAccount(
        db,
        { username, displayName: values.name ?? username, role, hubCode: values.hub ?? null },
        config.passwordHashCost,
      ).catch((err: unknown) => {
        throw err instanceof AccountError ? new UsageError(err.message) : err
      })
      out(
        `created ${username} (${role}${values.hub ? `, hub ${values.hub}` : ''}). One-time password, shown once:\n\n    ${oneTimePassword}\n\n${username} must choose a new password at the first sign-in.`,
      )
      return
    }
    if (!(await findUserByName(db, username)))
      throw new UsageError(`no user ${username} (create one with: npm run admin -- create ${username})`)
    await changeUser(db, username, { disabled: false }, now, { endSessions: false })
    const { oneTimePassword, ended } = await resetPassword(db, username, config.passwordHashCost, now)
    out(
      `reset ${username}: enabled, ${ended.length} session(s) ended. One-time password, shown once:\n\n    ${oneTimePassword}\n\n${username} must choose a new password at the next sign-in. If the name is locked after failed sign-ins, it unlocks by itself within LOGIN_LOCK_MINUTES.`,
    )
  } finally {
    await database.close()
  }
})
