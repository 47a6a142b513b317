import { it } from 'vitest'
import { startTestSystem } from '../test/helpers/system.ts'
it('idle', async () => {
  const sys = await startTestSystem({ EMBEDDED_PG_PROFILE: '20' })
  await new Promise((r) => setTimeout(r, 61000))
  await sys.stop()
}, 600000)
