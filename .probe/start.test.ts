import { it } from 'vitest'
import { startTestSystem } from '../test/helpers/system.ts'
it('start', async () => {
  const idle = Number(process.env.IDLE ?? 0)
  const t0 = Date.now(); const c0 = process.cpuUsage()
  const sys = await startTestSystem(process.env.NOWORK ? { RUN_WORKERS: 'false' } : {})
  const t1 = Date.now(); const c1 = process.cpuUsage(c0)
  console.log('start wall', t1 - t0, 'cpu', (c1.user + c1.system) / 1000)
  await new Promise((r) => setTimeout(r, idle))
  const c2 = process.cpuUsage(c0)
  console.log('after idle cpu', (c2.user + c2.system) / 1000)
  await sys.stop()
  const c3 = process.cpuUsage(c0)
  console.log('stop wall', Date.now() - t1 - idle, 'cpu', (c3.user + c3.system) / 1000)
}, 300000)
