import type { ClientState } from '../exec/client-state.js'
import type { ClientView } from '../exec/context.js'

/** What a session tells about its connection. */
export interface SessionFacts {
  readonly id: number
  readonly client: ClientState
  readonly remoteAddress: string
  readonly localAddress: string
  readonly createdAt: number
  readonly lastActiveAt: number
  kill (): void
}

/** One client as CLIENT LIST / INFO / KILL see it: the session's facts and its state's. */
export class SessionView implements ClientView {
  constructor (private readonly session: SessionFacts) {}

  get id (): number { return this.session.id }
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
