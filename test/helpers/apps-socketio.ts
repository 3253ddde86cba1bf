// Socket.IO servers with the Redis adapter, and their clients, for
// test/integration/apps-socketio.test.ts (issue 15 point 4). Each server gets its own pub and
// sub Redis clients pointed at one address, as an application would.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { Server, type ServerOptions } from 'socket.io'
import { io as connect, type Socket as ClientSocket } from 'socket.io-client'

/**
 * Which adapter and Redis client: the classic adapter (PUBLISH, PSUBSCRIBE, SUBSCRIBE and
 * PUBSUB NUMSUB) on ioredis, or the sharded one (SPUBLISH, SSUBSCRIBE per room and PUBSUB
 * SHARDNUMSUB, Redis 7) on node-redis.
 */
export type AdapterKind = 'classic/ioredis' | 'sharded/node-redis'

/** One Socket.IO server on a loopback port. */
export interface SocketServer {
  readonly index: number
  readonly io: Server
  readonly port: number
  /** Closes Socket.IO (and its adapter), then its Redis clients. */
  close (): Promise<void>
}

/**
 * Starts Socket.IO server `index` with the adapter on Redis at 127.0.0.1:`redisPort`. Each
 * connection joins `room-<auth.room>` and keeps `auth.name` as its data; `whoami` answers
 * server-side emits, `chat` from a client is broadcast to every other client.
 */
export async function startSocketServer (index: number, redisPort: number, kind: AdapterKind, errors: string[]): Promise<SocketServer> {
  const onError = (who: string) => (err: Error) => { errors.push(`server ${index} ${who}: ${err.message}`) }
  let adapter: ServerOptions['adapter']
  let closeClients: () => Promise<void>
  if (kind === 'classic/ioredis') {
    const pub = new Redis({ host: '127.0.0.1', port: redisPort })
    const sub = pub.duplicate()
    pub.on('error', onError('pub'))
    sub.on('error', onError('sub'))
    adapter = createAdapter(pub, sub)
    // QUIT, not disconnect: the adapter's own unsubscribes at close get their replies first.
    closeClients = async () => { await Promise.all([pub.quit(), sub.quit()]) }
  } else {
    const pub = createClient({ socket: { host: '127.0.0.1', port: redisPort, reconnectStrategy: false } })
    const sub = pub.duplicate()
    pub.on('error', onError('pub'))
    sub.on('error', onError('sub'))
    await Promise.all([pub.connect(), sub.connect()])
    adapter = createShardedAdapter(pub, sub)
    closeClients = async () => { await Promise.all([pub.close(), sub.close()]) }
  }
  const http = createServer()
  const io = new Server(http, { adapter })
  io.on('connection', socket => {
    const auth = socket.handshake.auth as { name: string, room: string }
    socket.data.name = auth.name
    void socket.join(`room-${auth.room}`)
    socket.on('chat', (text: string) => { socket.broadcast.emit('chat', `${auth.name}: ${text}`) })
  })
  io.on('whoami', (question: string, answer: (reply: unknown) => void) => { answer({ server: index, question }) })
  await new Promise<void>(resolve => http.listen(0, '127.0.0.1', resolve))
  return {
    index,
    io,
    port: (http.address() as AddressInfo).port,
    async close () {
      await new Promise<void>(resolve => { void io.close(() => { resolve() }) })
      await closeClients()
    }
  }
}

/** A connected Socket.IO client that records every event it gets, in order. */
export interface RecordingClient {
  readonly name: string
  readonly room: string
  readonly socket: ClientSocket
  /** `event: payload` lines, in arrival order. */
  readonly received: string[]
}

/** Connects a websocket client named `name` in `room` to `port`; resolves once connected. */
export async function connectClient (port: number, name: string, room: string): Promise<RecordingClient> {
  const socket = connect(`http://127.0.0.1:${port}`, { transports: ['websocket'], auth: { name, room }, reconnection: false, forceNew: true })
  const received: string[] = []
  socket.onAny((event: string, payload: unknown) => { received.push(`${event}: ${JSON.stringify(payload)}`) })
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('connect_error', reject)
  })
  return { name, room, socket, received }
}
