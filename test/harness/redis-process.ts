import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { findExecutable } from './ensure-redis-server.js'
import { killOnExit } from './kill-on-exit.js'
import { LocalClusterError } from './local-cluster-error.js'
import { parseInfo } from './cluster-view.js'
import { withNodeClient } from './node-command.js'
import { waitUntil } from './wait-until.js'

/** What the harness exposes about one node. */
export interface LocalNode {
  readonly port: number
  /** `host:port`, the form slotgate uses to name a node. */
  readonly address: string
  /** PID of the latest process started for this node (kept after it exits, for checks). */
  pid: number | undefined
  running: boolean
  /** Stopped with SIGSTOP by `pause()`: alive but silent. */
  readonly paused: boolean
  /** The node's own working dir (nodes.conf, redis.conf, redis.log). */
  readonly dir: string
  readonly logFile: string
}

/** Where to start one redis-server and with which config lines. */
export interface RedisProcessOptions {
  readonly serverPath: string
  readonly host: string
  readonly port: number
  readonly dir: string
  readonly config: readonly string[]
}

// Short, so a node that exits while starting is noticed at once even when something else on
// its port accepts connections and never answers.
const PROBE_TIMEOUT_MS = 300

let setpriv: string | null | undefined

/**
 * `setpriv --pdeathsig KILL` makes the kernel SIGKILL redis-server when the Node process dies,
 * even by a signal (a tap timeout), when no 'exit' handler runs. The flag is kept across the
 * exec, so the PID stays redis-server's own. Without util-linux' setpriv redis is started bare.
 */
function spawnArgs (serverPath: string, configFile: string): [string, string[]] {
  if (setpriv === undefined) {
    const path = findExecutable('setpriv')
    setpriv = path !== undefined && spawnSync(path, ['--pdeathsig', 'KILL', 'true']).status === 0 ? path : null
  }
  return setpriv === null ? [serverPath, [configFile]] : [setpriv, ['--pdeathsig', 'KILL', serverPath, configFile]]
}

/** Process state letter from /proc (`T` when stopped), undefined where /proc is missing. */
function procState (pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

/** One redis-server child process on a fixed port, with its own dir, config and log. */
export class RedisProcess implements LocalNode {
  readonly host: string
  readonly port: number
  readonly address: string
  readonly dir: string
  readonly configFile: string
  readonly logFile: string
  readonly #serverPath: string
  #child: ChildProcess | undefined
  #exited: Promise<void> = Promise.resolve()
  #pid: number | undefined
  #paused = false
  #stderr = ''

  private constructor (options: RedisProcessOptions) {
    this.host = options.host
    this.port = options.port
    this.address = `${options.host}:${options.port}`
    this.dir = options.dir
    this.configFile = join(options.dir, 'redis.conf')
    this.logFile = join(options.dir, 'redis.log')
    this.#serverPath = options.serverPath
  }

  /** Creates the node's dir and writes its redis.conf; does not start it. */
  static async create (options: RedisProcessOptions): Promise<RedisProcess> {
    const node = new RedisProcess(options)
    await mkdir(node.dir, { recursive: true })
    const lines = [
      `port ${node.port}`,
      `bind ${node.host}`,
      `dir ${node.dir}`,
      `logfile ${node.logFile}`,
      ...options.config
    ]
    await writeFile(node.configFile, lines.join('\n') + '\n')
    return node
  }

  get pid (): number | undefined { return this.#pid }
  get running (): boolean { return this.#child !== undefined }
  get paused (): boolean { return this.#paused }

  /**
   * Starts redis-server and resolves once it answers as itself (INFO's process_id is our
   * child's). Throws `SLOTGATE_ERR_DEV_NODE_START` with the end of its log when it exits first
   * or stays silent for `timeoutMs`.
   */
  async start (timeoutMs = 10_000): Promise<void> {
    if (this.running) throw new LocalClusterError('SLOTGATE_ERR_DEV_NODE_STATE', `${this.address} is already running (pid ${this.#pid}); kill() it before starting it again`)
    const [cmd, args] = spawnArgs(this.#serverPath, this.configFile)
    const child = spawn(cmd, args, { cwd: this.dir, detached: false, stdio: ['ignore', 'ignore', 'pipe'] })
    this.#stderr = ''
    const keepStderr = (text: string): void => { this.#stderr = (this.#stderr + text).slice(-4000) }
    child.stderr?.setEncoding('utf8').on('data', keepStderr)
    // A later 'error' (a failed kill) must not crash the process; it shows up in logTail().
    child.on('error', (err: Error) => keepStderr(`\n[harness] ${err.message}\n`))
    try {
      await once(child, 'spawn')
    } catch (err) {
      throw new LocalClusterError('SLOTGATE_ERR_DEV_NODE_START', `${this.address}: could not spawn ${cmd}: ${(err as Error).message}`, { cause: err })
    }
    // 'exit' can come before the last of stderr was read, and a config error is only there.
    const closed = new Promise<void>(resolve => child.once('close', () => resolve()))
    this.#child = child
    this.#pid = child.pid
    const forget = killOnExit(child.pid as number)
    let exitReason: string | undefined
    this.#exited = new Promise(resolve => {
      child.once('exit', (code, signal) => {
        exitReason = signal !== null ? `killed by ${signal}` : `exit code ${code}`
        this.#child = undefined
        this.#paused = false
        forget()
        resolve()
      })
    })
    try {
      await waitUntil(`${this.address} (pid ${child.pid}) to answer`, timeoutMs, async () => {
        if (exitReason !== undefined) return { done: true, value: undefined }
        // Ask for the pid, not just PING: if another harness won a race for this port, its
        // node answers here while ours is about to exit with "Address already in use".
        const info = await withNodeClient(this.host, this.port, async client => String(await client.call('INFO', 'server')), PROBE_TIMEOUT_MS)
        const pid = parseInfo(info).get('process_id')
        return pid === String(child.pid) ? { done: true, value: undefined } : { done: false, seen: `${this.address} is answered by pid ${pid ?? '?'}, not ours` }
      }, 20)
    } catch (err) {
      await this.kill('SIGKILL')
      throw new LocalClusterError('SLOTGATE_ERR_DEV_NODE_START', `${(err as Error).message}\n${this.logTail()}`, { cause: err })
    }
    if (exitReason !== undefined) {
      await Promise.race([closed, new Promise(resolve => setTimeout(resolve, 500).unref())])
      throw new LocalClusterError('SLOTGATE_ERR_DEV_NODE_START', `${this.address} (pid ${this.#pid}) exited while starting (${exitReason})\n${this.logTail()}`)
    }
  }

  /** True when the last start failed because the port or its bus port was taken. */
  addressInUse (): boolean {
    return /address already in use/i.test(this.logTail(30))
  }

  /** Sends `signal` and resolves once the process exited; does nothing when it is not running. */
  async kill (signal: NodeJS.Signals = 'SIGKILL', timeoutMs = 10_000): Promise<void> {
    const child = this.#child
    if (child === undefined) return
    child.kill(signal)
    // A stopped process only acts on SIGKILL; let it run so it can handle anything else.
    if (this.#paused && signal !== 'SIGKILL') child.kill('SIGCONT')
    const timer = new Promise<'timeout'>(resolve => setTimeout(resolve, timeoutMs, 'timeout').unref())
    if (await Promise.race([this.#exited.then(() => 'exited' as const), timer]) === 'timeout') {
      throw new LocalClusterError('SLOTGATE_ERR_DEV_NODE_STATE', `${this.address} (pid ${child.pid}) did not exit within ${timeoutMs} ms of ${signal}`)
    }
  }

  /** SIGSTOP; resolves once the kernel reports the process stopped. */
  async pause (): Promise<void> {
    await this.#stopOrContinue('SIGSTOP', true)
  }

  /** SIGCONT; resolves once the kernel reports the process running again. */
  async resume (): Promise<void> {
    await this.#stopOrContinue('SIGCONT', false)
  }

  async #stopOrContinue (signal: 'SIGSTOP' | 'SIGCONT', stopped: boolean): Promise<void> {
    const child = this.#child
    if (child === undefined) throw new LocalClusterError('SLOTGATE_ERR_DEV_NODE_STATE', `${this.address} is not running, cannot send ${signal}`)
    child.kill(signal)
    // Signal delivery is asynchronous; wait so callers can rely on the node being (un)frozen.
    await waitUntil(`${this.address} (pid ${child.pid}) to be ${stopped ? 'stopped' : 'running'}`, 2000, async () => {
      const state = procState(child.pid as number)
      return state === undefined || (state === 'T') === stopped ? { done: true, value: undefined } : { done: false, seen: `state ${state}` }
    }, 5)
    this.#paused = stopped
  }

  /** The last `lines` lines of the node's log file and anything it wrote to stderr. */
  logTail (lines = 15): string {
    let log: string
    try {
      log = readFileSync(this.logFile, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      log = '(no log file)'
    }
    const tail = log.trimEnd().split('\n').slice(-lines).join('\n')
    const stderr = this.#stderr.trim() === '' ? '' : `\n--- stderr ---\n${this.#stderr.trim()}`
    return `--- last lines of ${this.logFile} ---\n${tail}${stderr}`
  }
}
