import type { AddressInfo } from 'node:net';
import { createServer as createHttpsServer, type ServerOptions as HttpsServerOptions } from 'node:https';
import { serve, type ServerType } from '@hono/node-server';
import { ConfigError, SluiceError } from '@sluice/errors';
import { list } from '@sluice/settings';

/** Where a REST API listens, as Kafka's `listeners` setting names it (`http://host:port`). */
export interface Listener {
  protocol: 'http' | 'https';
  /** Empty means every interface, as in Kafka Connect's `http://:8083`. */
  host: string;
  port: number;
}

/**
 * A `listeners` setting: a comma-separated list of `http://host:port` or `https://host:port` (an empty host:
 * every interface; IPv6 in brackets). Throws `ConfigError` naming `key`.
 */
export function parseListeners(value: string, key: string): Listener[] {
  const items = list(value);
  if (items.length === 0)
    throw new ConfigError(key, `${key} must be a list of protocol://host:port, got '${value}'`);
  return items.map((item) => {
    const match = /^(https?):\/\/(\[[^\]]*\]|[^:/]*):(\d+)$/i.exec(item);
    const port = Number(match?.[3]);
    if (match === null || port > 65535) {
      throw new ConfigError(
        key,
        `${key} must be a list of protocol://host:port (http or https), got '${item}'`,
      );
    }
    return {
      protocol: match[1]!.toLowerCase() as Listener['protocol'],
      host: match[2]!.replace(/^\[|\]$/g, ''),
      port,
    };
  });
}

/** A listener once it is bound. */
export interface BoundListener extends Listener {
  /**
   * Where it listens, with the port actually bound: the host as configured, or for an empty host (every
   * interface, Connect's `http://:8083`) the address bound, such as `http://[::]:8083`, so nobody takes
   * an API open to the network for a local one.
   */
  url: string;
}

/** A running listener and how to close it. */
export interface ListeningServer {
  listener: BoundListener;
  /** Stops accepting connections and resolves once open ones are done. */
  close(): Promise<void>;
}

/** Serves `fetch` on one listener; https listeners need `https` (see `resolveHttpsOptions`). */
export async function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  listener: Listener,
  https?: HttpsServerOptions,
): Promise<ListeningServer> {
  const server = await new Promise<ServerType>((resolve, reject) => {
    const created = serve(
      {
        fetch,
        port: listener.port,
        ...(listener.host === '' ? {} : { hostname: listener.host }),
        ...(listener.protocol === 'https' ? { createServer: createHttpsServer, serverOptions: https } : {}),
      },
      () => resolve(created),
    );
    created.once('error', (error: Error) =>
      reject(
        new SluiceError(
          'SLUICE_LISTEN_FAILED',
          `listeners: cannot listen on ${listener.protocol}://${listener.host}:${listener.port}: ${error.message}`,
          { cause: error },
        ),
      ),
    );
  });
  const bound = server.address() as AddressInfo;
  const port = bound.port;
  const shown = listener.host === '' ? bound.address : listener.host;
  const host = shown.includes(':') ? `[${shown}]` : shown;
  return {
    listener: { ...listener, port, url: `${listener.protocol}://${host}:${port}` },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
