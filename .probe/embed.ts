import { fork, execFileSync } from 'node:child_process'
import { readFileSync, mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
const tpl = process.argv[2]!
const dir = mkdtempSync(path.join(os.tmpdir(), 'probe-'))
execFileSync('cp', ['-a', tpl + '/.', path.join(dir, 'pg')])
const cpu = (pid: number) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return (Number(f[11]) + Number(f[12])) / 100 }
const t0 = Date.now()
const child = fork('server/db/embedded-process.ts', [path.join(dir, 'pg'), '0', '300000', '0'], { execArgv: ['--import', 'tsx', ...(process.env.XARGS ? process.env.XARGS.split(' ') : [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
child.once('message', (m: any) => {
  console.log('ready', m, 'wall', Date.now() - t0, 'cpu', cpu(child.pid!))
  setTimeout(() => {
    console.log('after 5s idle cpu', cpu(child.pid!))
    const t1 = Date.now()
    let last = 0
    const iv = setInterval(() => { try { last = cpu(child.pid!) } catch {} }, 20)
    child.send({ stop: true })
    child.on('exit', () => { clearInterval(iv); console.log('stop wall', Date.now() - t1, 'cpu before exit', last); execFileSync('rm', ['-rf', dir]) })
  }, 5000)
})
