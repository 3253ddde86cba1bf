import { BackendRequest, type RequestOwner } from '../cluster/backend-request.js'
import type { NodeAddress } from '../cluster/node-address.js'
import { filterConfigGet } from '../commands/config-get-filter.js'
import type { ClientContext } from './context.js'
import type { QueueEntry } from './queue-entry.js'

/** CONFIG GET on one master, its reply without the cluster's secrets (config-get-filter.ts). */
export class ConfigGetRequest implements RequestOwner, QueueEntry {
  reply: Buffer | null = null
  command: string | null | undefined = undefined
  startedAt = 0
  private readonly req: BackendRequest

  constructor (private readonly client: ClientContext, args: Buffer[], target: NodeAddress) {
    this.req = new BackendRequest(args, -1, true, this, target)
    this.req.protocol = client.protocol
  }

  get closed (): boolean { return this.client.sink.closed }
  get lane (): number { return this.client.sink.lane }

  start (): void {
    this.client.ctx.dispatcher.send(this.req)
  }

  /** @internal RequestOwner */
  onRequestDone (req: BackendRequest): void {
    this.reply = filterConfigGet(req.reply as Buffer)
    this.client.sink.onRequestDone(this)
  }
}
