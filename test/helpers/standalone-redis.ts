import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'

/** A throwaway, non-cluster redis-server on a loopback port, for unit tests that need a real `COMMAND` reply. */
export interface StandaloneRedis {
  readonly port: number
  readonly pid: number
  /** Stops exactly this process (by PID) and waits for it to exit. */
  stop (): Promise<void>
}

/** True when Debian's `redis-server` is on the PATH. */
export function hasRedisServer (): boolean {
  return spawnSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' }).status === 0
}

function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0
      srv.close(() => resolve(port))
    })
  })
}

function waitReady (child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => fail(new Error(`redis-server not ready after 10s:\n${out}`)), 10_000)
    function fail (err: Error): void {
      clearTimeout(timer)
      reject(err)
    }
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once('exit', code => fail(new Error(`redis-server exited (${String(code)}) before ready:\n${out}`)))
  })
}

/**
 * Starts `redis-server` on a free loopback port without persistence. The port is picked by
 * binding port 0 first, so another process may grab it in between: retried a few times.
 */
export async function startStandaloneRedis (): Promise<StandaloneRedis> {
  let lastError: unknown
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] })
    try {
      await waitReady(child)
    } catch (err) {
      lastError = err
      if (child.exitCode === null) child.kill('SIGKILL')
      continue
    }
    const pid = child.pid as number
    const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
    return {
      port,
      pid,
      async stop () {
        if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGTERM')
        await exited
      }
    }
  }
  throw lastError
}
