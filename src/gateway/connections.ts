// The sockets of this process, indexed by player so a per-player event costs a map lookup,
// not a scan. The slow-client policy lives here: a socket whose unsent data exceeds the
// bound is terminated instead of buffering more, so one stalled reader cannot grow memory.
import type { WebSocket } from 'ws';

export type DropReason = 'slow' | 'heartbeat' | 'unauthorized' | 'flood';

export interface Client {
  readonly socket: WebSocket;
  userId: string | undefined;
  role: string | undefined;
  /** When the token it authenticated with expires; the heartbeat then closes the socket. */
  expiresAt: number | undefined;
  /** The login session of that token: a logout of the session closes the socket. */
  sessionId: string | undefined;
  /** Answered the last ping (or is new). */
  alive: boolean;
  /** Messages received since the last heartbeat, for the flood guard. */
  received: number;
  /** Until the hello is sent, events wait here so the client never sees them before its snapshot. */
  pending: Buffer[] | undefined;
}

export interface ConnectionOptions {
  maxBufferedBytes: number;
  onCount: (connected: number) => void;
  onDrop: (reason: DropReason) => void;
  onSent: (messages: number) => void;
}

/** A client that has not received its hello for this many events is not keeping up either. */
const MAX_PENDING = 256;
const SLICE = 1000;
const OPEN = 1;

export class Connections {
  private readonly all = new Set<Client>();
  private readonly byUser = new Map<string, Set<Client>>();

  constructor(private readonly opts: ConnectionOptions) {}

  get size(): number {
    return this.all.size;
  }

  [Symbol.iterator](): IterableIterator<Client> {
    return this.all.values();
  }

  add(socket: WebSocket, userId?: string, role?: string): Client {
    const client: Client = {
      socket,
      userId: undefined,
      role: undefined,
      expiresAt: undefined,
      sessionId: undefined,
      alive: true,
      received: 0,
      pending: [],
    };
    this.all.add(client);
    if (userId) this.identify(client, userId, role);
    this.opts.onCount(this.all.size);
    return client;
  }

  /** Idempotent: the close event and a drop may both call it. */
  remove(client: Client): void {
    if (!this.all.delete(client)) return;
    this.unindex(client);
    client.pending = undefined;
    this.opts.onCount(this.all.size);
  }

  identify(
    client: Client,
    userId: string,
    role: string | undefined,
    expiresAt?: number,
    sessionId?: string,
  ): void {
    this.unindex(client);
    client.userId = userId;
    client.role = role;
    client.expiresAt = expiresAt;
    client.sessionId = sessionId;
    let set = this.byUser.get(userId);
    if (!set) this.byUser.set(userId, (set = new Set()));
    set.add(client);
  }

  has(client: Client): boolean {
    return this.all.has(client);
  }

  hasUser(userId: string): boolean {
    return this.byUser.has(userId);
  }

  drop(client: Client, reason: DropReason): void {
    this.remove(client);
    this.opts.onDrop(reason);
    client.socket.terminate();
  }

  /** Sends the hello, then whatever arrived while it was being prepared. */
  ready(client: Client, hello: Buffer): void {
    const queued = client.pending ?? [];
    client.pending = undefined;
    if (!this.all.has(client)) return;
    for (const payload of [hello, ...queued]) if (!this.write(client, payload)) return;
    this.opts.onSent(queued.length + 1);
  }

  send(client: Client, payload: Buffer): void {
    if (this.deliver(client, payload)) this.opts.onSent(1);
  }

  /**
   * Writes to every socket, yielding to the event loop every SLICE sockets: a write costs a
   * system call, so one event to 20k sockets is a noticeable pause, and the API requests and
   * heartbeats of this process must not wait for all of it.
   */
  async broadcast(payload: Buffer): Promise<void> {
    let sent = 0;
    let i = 0;
    // A snapshot: a socket that connects meanwhile gets a hello read after this event anyway.
    for (const client of [...this.all]) {
      if (this.deliver(client, payload)) sent++;
      if (++i % SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    this.opts.onSent(sent);
  }

  /** The user's identified clients (a copy: closing them changes the set). */
  clientsOf(userId: string): Client[] {
    return [...(this.byUser.get(userId) ?? [])];
  }

  sendToUser(userId: string, payload: Buffer): void {
    const set = this.byUser.get(userId);
    if (!set) return;
    let sent = 0;
    for (const client of set) if (this.deliver(client, payload)) sent++;
    this.opts.onSent(sent);
  }

  private deliver(client: Client, payload: Buffer): boolean {
    if (client.pending) {
      if (client.pending.length >= MAX_PENDING) this.drop(client, 'slow');
      else client.pending.push(payload);
      return false;
    }
    return this.write(client, payload);
  }

  private write(client: Client, payload: Buffer): boolean {
    const socket = client.socket;
    if (socket.readyState !== OPEN) return false;
    // bufferedAmount counts bytes accepted by send() but not yet taken by the kernel.
    if (socket.bufferedAmount + payload.length > this.opts.maxBufferedBytes) {
      this.drop(client, 'slow');
      return false;
    }
    socket.send(payload, { binary: false });
    return true;
  }

  private unindex(client: Client): void {
    if (!client.userId) return;
    const set = this.byUser.get(client.userId);
    set?.delete(client);
    if (set?.size === 0) this.byUser.delete(client.userId);
  }
}
