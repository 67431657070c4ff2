// Minimal QMP client over a unix socket: greeting, qmp_capabilities, execute, events.
// QMP speaks one JSON object per line; responses carry back the "id" we sent.
import { createConnection, type Socket } from 'node:net';
import { withTimeout } from '../lib/wait-until';

export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
  timestamp?: { seconds: number; microseconds: number };
}

export class QmpError extends Error {
  constructor(
    readonly command: string,
    readonly errorClass: string,
    description: string,
  ) {
    super(`QMP ${command} failed: ${errorClass}: ${description}`);
    this.name = 'QmpError';
  }
}

interface Pending {
  command: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

type EventListener = (event: QmpEvent) => void;

export class QmpClient {
  private buffered = '';
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private readonly listeners = new Set<EventListener>();
  private greeting?: (value: unknown) => void;
  private closedError?: Error;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => this.onData(text));
    socket.on('error', (error) => this.failAll(error));
    socket.on('close', () => this.failAll(new Error('QMP connection closed')));
  }

  /** Connects, waits for the greeting and leaves capabilities negotiation mode. */
  static async connect(socketPath: string, timeoutMs = 10_000): Promise<QmpClient> {
    const socket = createConnection(socketPath);
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      }),
      timeoutMs,
      `QMP connect to ${socketPath}`,
    );
    const client = new QmpClient(socket);
    await withTimeout(new Promise((resolve) => (client.greeting = resolve)), timeoutMs, 'QMP greeting');
    await client.execute('qmp_capabilities', undefined, timeoutMs);
    return client;
  }

  execute<T = unknown>(command: string, args?: Record<string, unknown>, timeoutMs = 30_000): Promise<T> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = String(this.nextId++);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`QMP ${command} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { command, resolve: resolve as (value: unknown) => void, reject, timer });
      this.socket.write(JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}), id }) + '\n');
    });
  }

  /** Subscribes to asynchronous events; returns the unsubscribe function. */
  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first event named `name` that satisfies `match`. */
  waitForEvent(name: string, match: (event: QmpEvent) => boolean = () => true, timeoutMs = 30_000): Promise<QmpEvent> {
    let unsubscribe = () => {};
    const seen = new Promise<QmpEvent>((resolve) => {
      unsubscribe = this.onEvent((event) => {
        if (event.event === name && match(event)) resolve(event);
      });
    });
    return withTimeout(seen, timeoutMs, `QMP event ${name}`).finally(unsubscribe);
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(text: string): void {
    this.buffered += text;
    let newline: number;
    while ((newline = this.buffered.indexOf('\n')) !== -1) {
      const line = this.buffered.slice(0, newline).trim();
      this.buffered = this.buffered.slice(newline + 1);
      if (line) this.onMessage(JSON.parse(line) as Record<string, unknown>);
    }
  }

  private onMessage(message: Record<string, unknown>): void {
    if ('QMP' in message) return this.greeting?.(message);
    if ('event' in message) {
      for (const listener of this.listeners) listener(message as unknown as QmpEvent);
      return;
    }
    const pending = this.pending.get(String(message.id));
    if (!pending) return;
    this.pending.delete(String(message.id));
    clearTimeout(pending.timer);
    const error = message.error as { class?: string; desc?: string } | undefined;
    if (error) pending.reject(new QmpError(pending.command, error.class ?? 'GenericError', error.desc ?? ''));
    else pending.resolve(message.return);
  }

  private failAll(error: Error): void {
    this.closedError ??= error;
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.pending.clear();
  }
}
