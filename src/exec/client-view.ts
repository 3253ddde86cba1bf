/** How CLIENT UNBLOCK ends a blocked command: as if it timed out, or with the UNBLOCKED error. */
export type UnblockMode = 'timeout' | 'error'

/** What CLIENT LIST / INFO / KILL read and set of one client's state (ClientState). */
export interface ClientFacts {
  readonly transaction: { readonly active: boolean, readonly queuedCount: number }
  readonly monitor: { readonly active: boolean } | null
  readonly isBlocked: boolean
  readonly blockedWithTimeout: boolean
  readonly readOnlyMode: boolean
  noEvict: boolean
  libName: string
  libVersion: string
  /** Ends a command blocked on a node (CLIENT UNBLOCK); false when none is. */
  unblock (mode: UnblockMode): boolean
}

/** What CLIENT LIST / INFO / KILL know about a client connection of slotgate's. */
export interface ClientView {
  /** The client's state (transaction, blocked commands, library name ...). */
  readonly client: ClientFacts
  /** The socket's file descriptor; -1 when it has none to show (TLS). */
  readonly fd: number
  /** Bytes read from the client and not yet parsed into a command (`qbuf`). */
  readonly queryBufferBytes: number
  /** Reply bytes handed to the socket and not yet sent (`omem`). */
  readonly outputBufferBytes: number
  /** Commands received and not yet answered (`oll`). */
  readonly pendingReplies: number
  readonly id: number
  readonly name: Buffer | null
  readonly protocol: 2 | 3
  readonly remoteAddress: string
  readonly localAddress: string
  readonly createdAt: number
  readonly lastActiveAt: number
  readonly subscriptionCount: number
  readonly channelCount: number
  readonly patternCount: number
  readonly shardChannelCount: number
  readonly inMulti: boolean
  readonly lastCommand: string
  /** The user the client authenticated as (`default` when none). */
  readonly userName: string
  /** Closes the connection now (CLIENT KILL of another client). */
  kill (): void
}
