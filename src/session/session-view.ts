import type net from 'node:net'
import type { ClientState } from '../exec/client-state.js'
import type { ClientView } from '../exec/client-view.js'

/** What a session tells about its connection. */
export interface SessionFacts {
  readonly id: number
  readonly client: ClientState
  readonly remoteAddress: string
  readonly localAddress: string
  readonly createdAt: number
  readonly lastActiveAt: number
  readonly pendingReplies: number
  kill (): void
}

/** One client as CLIENT LIST / INFO / KILL see it: the session's facts and its state's. */
export class SessionView implements ClientView {
  constructor (
    private readonly session: SessionFacts,
    private readonly socket: net.Socket,
    private readonly parser: { readonly bufferedBytes: number }
  ) {}

  get id (): number { return this.session.id }
  get client (): ClientState { return this.session.client }
  /** The socket's descriptor (-1 under TLS, whose socket wraps it). */
  get fd (): number { return (this.socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1 }
  /** Bytes read and not yet parsed into a command (`qbuf`). */
  get queryBufferBytes (): number { return this.parser.bufferedBytes }
  /** Reply bytes handed to the socket and not yet sent (`omem`). */
  get outputBufferBytes (): number { return this.socket.writableLength }
  get pendingReplies (): number { return this.session.pendingReplies }
  get remoteAddress (): string { return this.session.remoteAddress }
  get localAddress (): string { return this.session.localAddress }
  get createdAt (): number { return this.session.createdAt }
  get lastActiveAt (): number { return this.session.lastActiveAt }
  get name (): Buffer | null { return this.session.client.name }
  get protocol (): 2 | 3 { return this.session.client.protocol }
  get lastCommand (): string { return this.session.client.lastCommand }
  get userName (): string { return this.session.client.user?.name ?? 'default' }
  get inMulti (): boolean { return this.session.client.transaction.active }
  get subscriptionCount (): number { return this.session.client.subscriptions.count }
  get channelCount (): number { return this.session.client.subscriptions.channelCount }
  get patternCount (): number { return this.session.client.subscriptions.patternCount }
  get shardChannelCount (): number { return this.session.client.subscriptions.shardChannelCount }
  kill (): void { this.session.kill() }
}
