// The job each task host thread runs for its whole life (started by Piscina, see TaskHostPool). It
// hosts many actors on this thread's event loop and talks to the main thread over its own port.
import { threadId } from 'node:worker_threads';
import { SluiceError, type SerializedError } from '@sluice/errors';
import { loadModule } from '@sluice/plugins';
import type { Actor, ActorContext, ActorFactory } from './actor.js';
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

export default async function taskHost({ port, current, heartbeatIntervalMs }: HostJob): Promise<void> {
  const running = new Int32Array(current);
  const actors = new Map<string, { actor?: Actor; listeners: Array<(payload: unknown) => void> }>();
  const post = (message: FromHost) => port.postMessage(message);
  post({ type: 'hello', threadId });
  const heartbeat = setInterval(() => post({ type: 'heartbeat' }), heartbeatIntervalMs);

  async function start(message: Extract<ToHost, { type: 'start' }>): Promise<void> {
    const entry: { actor?: Actor; listeners: Array<(payload: unknown) => void> } = { listeners: [] };
    actors.set(message.id, entry);
    const context: ActorContext = {
      id: message.id,
      config: message.config,
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
    try {
      const loaded = await loadModule(message.module);
      const factory = loaded[message.export];
      if (typeof factory !== 'function') {
        throw new SluiceError(
          'SLUICE_ACTOR_NOT_FOUND',
          `${message.module} exports no function '${message.export}'`,
        );
      }
      entry.actor = await context.enter(() => (factory as ActorFactory)(context));
      if (actors.get(message.id) === entry) post({ type: 'started', id: message.id });
    } catch (error) {
      context.fail(error);
    }
  }

  async function stop(id: string): Promise<void> {
    const entry = actors.get(id);
    if (entry === undefined) return post({ type: 'stopped', id });
    actors.delete(id);
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
          void start(message);
          break;
        case 'stop':
          void stop(message.id);
          break;
        case 'message':
          for (const listener of actors.get(message.id)?.listeners ?? []) listener(message.payload);
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
