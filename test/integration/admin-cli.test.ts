import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { login, startTestSystem } from '../helpers/system.ts'
import { api } from '../helpers/api.ts'
import { serverTestDatabase } from '../helpers/test-db.ts'

const run = promisify(execFile)
const dirs: string[] = []
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

/**
 * npm run admin -- …, as an operator runs it, on a stopped server's DATA_DIR; under
 * `npm run test:server` on the server database the test system of that DATA_DIR uses.
 */
async function admin(dataDir: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const env = {
    ...process.env,
    DATA_DIR: dataDir,
    PASSWORD_HASH_COST: 'low',
    DATABASE_URL: (await serverTestDatabase(dataDir))?.url ?? '',
  }
  return run('npx', ['tsx', 'server/cli/admin.ts', ...args], { env, timeout: 240_000 }).then(
    (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }),
  )
}
const otpIn = (out: string) => /^ {4}(\S+)$/m.exec(out)?.[1] ?? ''

describe('npm run admin', () => {
  it('creates an admin and resets a locked-out one with one-time passwords that sign in and must be replaced', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pw-admin-cli-'))
    dirs.push(dataDir)
    expect((await admin(dataDir, 'explode', 'x')).code).toBe(2)
    const created = await admin(dataDir, 'create', 'ops-chen', '--name=陈工')
    expect(created.code, created.err).toBe(0)
    const first = otpIn(created.out)
    expect(first).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/)
    const reset = await admin(dataDir, 'reset', 'ops-chen')
    expect(reset.code, reset.err).toBe(0)
    const second = otpIn(reset.out)
    expect(second).not.toBe(first)
    expect((await admin(dataDir, 'reset', 'nobody-here')).code).toBe(2)

    const sys = await startTestSystem({ DATA_DIR: dataDir, RUN_WORKERS: 'false' })
    try {
      await expect(login(sys, 'ops-chen', first)).rejects.toThrow(/401/)
      const cookie = await login(sys, 'ops-chen', second)
      const me = await api(sys, { cookie }).get('/api/v1/auth/me')
      expect(me.user).toMatchObject({
        username: 'ops-chen',
        displayName: '陈工',
        role: 'admin',
        mustChangePassword: true,
      })
    } finally {
      await sys.stop()
    }
  })
})
