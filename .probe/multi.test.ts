import { it } from 'vitest'
import { startTestSystem } from '../test/helpers/system.ts'
it('start n', async () => {
  const n = Number(process.env.N ?? 1)
  for (let i = 0; i < n; i++) {
    const sys = await startTestSystem(process.env.NOWORK ? { RUN_WORKERS: 'false' } : {})
    await new Promise((r) => setTimeout(r, Number(process.env.IDLE ?? 0)))
    await sys.stop()
  }
}, 600000)
