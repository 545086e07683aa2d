// The job each task host thread runs for its whole life (started by Piscina, see TaskHostPool). It
// hosts many actors on this thread's event loop and talks to the main thread over its own port.
import { threadId } from 'node:worker_threads';
import { SluiceError, type SerializedError } from '@sluice/errors';
import { loadModule } from '@sluice/plugins';
import type { Actor, ActorContext, ActorFactory } from './actor.js';
import { threadLease } from './lease.js';
import type { FromHost, HostJob, ToHost } from './messages.js';

export function serialize(error: unknown): SerializedError {
  if (SluiceError.is(error)) return error.toJSON();
  if (error instanceof Error) {
    return {
      name: error.name,
      code: 'SLUICE_TASK_FAILED',
      message: error.message,
      retriable: false,
      stack: error.stack,
    };
  }
  return { name: 'Error', code: 'SLUICE_TASK_FAILED', message: String(error), retriable: false };
}

interface Entry {
  actor?: Actor;
  listeners: Array<(payload: unknown) => void>;
  /** Settles once the factory returned or failed: a stop that comes earlier waits for it. */
  starting: Promise<void>;
}

export default async function taskHost({
  port,
  current,
  lease,
  heartbeatIntervalMs,
}: HostJob): Promise<void> {
  const running = new Int32Array(current);
  const actorLease = threadLease(lease);
  const actors = new Map<string, Entry>();
  const imported = new Set<string>();
  const post = (message: FromHost) => port.postMessage(message);
  post({ type: 'hello', threadId });
  const heartbeat = setInterval(() => post({ type: 'heartbeat' }), heartbeatIntervalMs);

  function start(message: Extract<ToHost, { type: 'start' }>): void {
    const entry: Entry = { listeners: [], starting: Promise.resolve() };
    actors.set(message.id, entry);
    const context: ActorContext = {
      id: message.id,
      config: message.config,
      lease: actorLease,
      emit: (payload) => post({ type: 'event', id: message.id, payload }),
      onMessage: (listener) => entry.listeners.push(listener),
      enter: (callback) => {
        const previous = Atomics.exchange(running, 0, message.slot);
        try {
          return callback();
        } finally {
          Atomics.store(running, 0, previous);
        }
      },
      fail: (error) => {
        if (actors.delete(message.id)) post({ type: 'failed', id: message.id, error: serialize(error) });
      },
    };
    entry.starting = (async () => {
      try {
        const loaded = await importActorModule(message.module);
        const factory = loaded[message.export];
        if (typeof factory !== 'function') {
          throw new SluiceError(
            'SLUICE_ACTOR_NOT_FOUND',
            `${message.module} exports no function '${message.export}'`,
          );
        }
        entry.actor = await context.enter(() => (factory as ActorFactory)(context));
        // Told to stop while starting: `stop` stops it now that it exists, and says so.
        if (actors.get(message.id) === entry) post({ type: 'started', id: message.id });
      } catch (error) {
        context.fail(error);
      }
    })();
  }

  /**
   * Imports an actor's module, telling the main thread while a first import runs: evaluating a module graph
   * is long synchronous work, which on a starved machine can outlast the watchdog's `blockedAfterMs`.
   */
  async function importActorModule(url: string): Promise<Record<string, unknown>> {
    if (imported.has(url)) return loadModule(url);
    post({ type: 'loading' });
    try {
      const loaded = await loadModule(url);
      imported.add(url);
      return loaded;
    } finally {
      post({ type: 'loaded' });
    }
  }

  async function stop(id: string): Promise<void> {
    const entry = actors.get(id);
    if (entry === undefined) return post({ type: 'stopped', id });
    actors.delete(id);
    await entry.starting;
    try {
      await entry.actor?.stop();
      post({ type: 'stopped', id });
    } catch (error) {
      post({ type: 'failed', id, error: serialize(error) });
    }
  }

  await new Promise<void>((resolve) => {
    port.on('message', (message: ToHost) => {
      switch (message.type) {
        case 'start':
          start(message);
          break;
        case 'stop':
          void stop(message.id);
          break;
        case 'message':
          for (const listener of actors.get(message.id)?.listeners ?? []) listener(message.payload);
          break;
        case 'preload':
          // A module that fails to import here fails the actor that needs it, with its error, later.
          void (async () => {
            for (const module of message.modules) {
              const loaded = await importActorModule(module).catch(() => undefined);
              const warmUp = loaded?.['warmUp'];
              if (typeof warmUp === 'function') {
                try {
                  await (warmUp as () => unknown)();
                } catch {
                  // Only first-use work done early: the actors do it themselves if it failed here.
                }
              }
            }
            post({ type: 'preloaded' });
          })();
          break;
        case 'shutdown':
          resolve();
          break;
      }
    });
  });
  clearInterval(heartbeat);
  await Promise.allSettled([...actors.keys()].map((id) => stop(id)));
  port.close();
}
