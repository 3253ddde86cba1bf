import RedisParser from 'redis-parser'
import { BackendRequest, type RequestOwner } from './backend-request.js'
import type { NodeAddress } from './node-address.js'
import { NodeLink, type LinkListener } from './node-link.js'

/** Credentials and timeouts for control connections. */
export interface ControlOptions {
  connectTimeoutMs: number
  commandTimeoutMs: number
  username?: string
  password?: string
  tls?: import('node:tls').ConnectionOptions
}

/**
 * Control-plane queries to single nodes (CLUSTER NODES, COMMAND, INFO, CONFIG GET, replication
 * offsets, SCRIPT KILL ...): one lazily opened connection per node, without retries or an
 * offline queue (a node that does not answer now is skipped by the caller). Replies come
 * decoded as a client library gives them: strings, numbers, arrays, null; an error reply
 * rejects with the node's error text.
 *
 * Not ioredis: loading it costs a sidecar 25 MB of RSS (an empty Node 24 process 42 MB, with
 * ioredis 67 MB) for a dozen commands at start and per refresh. The connection is the data
 * path's own (NodeLink: TLS, AUTH, the connect and handshake timeout), and redis-parser, whose
 * job is exactly this (decoding RESP2 replies into values), decodes the replies.
 */
export class ControlPlane {
  private readonly links = new Map<NodeAddress, ControlLink>()

  constructor (private readonly options: ControlOptions) {}

  /** Runs one command on `node`; rejects on an error reply, a lost connection or a timeout. */
  async call (node: NodeAddress, command: string, ...args: (string | number)[]): Promise<unknown> {
    let link = this.links.get(node)
    if (link === undefined || link.closed) {
      link = new ControlLink(node, this.options)
      this.links.set(node, link)
    }
    return await link.call([command, ...args].map(a => Buffer.from(String(a))))
  }

  /** Closes every control connection. */
  close (): void {
    for (const link of this.links.values()) link.close('control plane closed')
    this.links.clear()
  }

  /** Closes the connections to nodes not in `keep`. */
  retain (keep: ReadonlySet<NodeAddress>): void {
    for (const [node, link] of this.links) {
      if (!keep.has(node)) { link.close('node left the cluster'); this.links.delete(node) }
    }
  }
}

/** Control replies are matched here (ControlLink.onLinkReply), not by their owner. */
const NOBODY: RequestOwner = { onRequestDone () {}, closed: false }

interface PendingCall {
  resolve: (value: unknown) => void
  reject: (err: Error) => void
  timer: NodeJS.Timeout
}

/** One node's control connection and the calls waiting on it. */
class ControlLink implements LinkListener {
  private readonly link: NodeLink
  private readonly calls = new Map<BackendRequest, PendingCall>()
  private readonly parser: RedisParser
  /** What the parser produced for the frame just fed to it (it answers synchronously). */
  private decoded: { value: unknown, error: Error | null } = { value: null, error: null }

  constructor (private readonly node: NodeAddress, private readonly options: ControlOptions) {
    const { connectTimeoutMs, username, password, tls } = options
    this.link = new NodeLink(node, { connectTimeoutMs, protocol: 2, readOnly: false, username, password, tls }, this)
    this.parser = new RedisParser({
      returnReply: (value: unknown) => { this.decoded = { value, error: null } },
      returnError: (error: Error) => { this.decoded = { value: null, error } },
      returnBuffers: false
    })
  }

  get closed (): boolean { return this.link.closed }

  async call (args: Buffer[]): Promise<unknown> {
    return await new Promise((resolve, reject) => {
      const req = new BackendRequest(args, -1, false, NOBODY, this.node)
      // A node that stops answering holds its connection's later replies too: the link goes.
      const timer = setTimeout(() => { this.link.close(`no reply within ${this.options.commandTimeoutMs} ms`) }, this.options.commandTimeoutMs)
      this.calls.set(req, { resolve, reject, timer })
      try {
        this.link.send(req)
      } catch (err) {
        this.take(req)?.reject(err as Error)
      }
    })
  }

  close (reason: string): void {
    this.link.close(reason)
  }

  /** @internal LinkListener */
  onLinkReply (_link: NodeLink, req: BackendRequest, reply: Buffer): void {
    const call = this.take(req)
    if (call === undefined) return
    this.parser.execute(reply) // one whole frame: the parser answers before returning
    const { value, error } = this.decoded
    this.decoded = { value: null, error: null }
    if (error !== null) call.reject(new Error(error.message))
    else call.resolve(value)
  }

  /** @internal LinkListener */
  onLinkDown (_link: NodeLink, unwritten: BackendRequest[], inFlight: BackendRequest[], reason: string): void {
    for (const req of [...inFlight, ...unwritten]) {
      this.take(req)?.reject(new Error(`control connection to ${this.node} closed (${reason})`))
    }
  }

  /** @internal LinkListener */
  onLinkUp (): void {}

  private take (req: BackendRequest): PendingCall | undefined {
    const call = this.calls.get(req)
    if (call === undefined) return undefined
    this.calls.delete(req)
    clearTimeout(call.timer)
    return call
  }
}
