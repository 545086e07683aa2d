import { randomUUID } from 'node:crypto';
import type { AdminLog } from '@sluice/log';
import type { RestProxyConfig } from '../config.js';
import { Errors } from '../errors.js';
import { ConsumerInstance, type ConsumerInstanceSettings } from './consumer-instance.js';
import type { GroupCoordination } from './coordination.js';
import type { ConsumerOwner, ConsumerRegistry } from './registry.js';

/** How often idle instances are looked for. */
const EXPIRY_CHECK_MS = 1_000;

const id = (group: string, name: string) => `${group}\u0000${name}`;

/**
 * The consumer instances this proxy owns: creation (names unique per group), lookup, deletion, and expiry of
 * instances idle for `consumer.instance.timeout.ms`, as Confluent's `KafkaConsumerManager`. On Kafka, every
 * instance is also recorded in the registry, so that another proxy can forward requests for it here.
 */
export class ConsumerManager {
  readonly #instances = new Map<string, ConsumerInstance>();
  /** Names being created, so that a second creation of the same name fails at once. */
  readonly #reserved = new Set<string>();
  readonly #log: AdminLog;
  readonly #groups: GroupCoordination;
  readonly #config: RestProxyConfig;
  readonly #registry: ConsumerRegistry | undefined;
  readonly #warn: (message: string) => void;
  readonly #timer: NodeJS.Timeout;
  #closed = false;

  constructor(dependencies: {
    log: AdminLog;
    groups: GroupCoordination;
    config: RestProxyConfig;
    registry?: ConsumerRegistry | undefined;
    warn: (message: string) => void;
  }) {
    this.#log = dependencies.log;
    this.#groups = dependencies.groups;
    this.#config = dependencies.config;
    this.#registry = dependencies.registry;
    this.#warn = dependencies.warn;
    this.#timer = setInterval(() => this.#expire(), EXPIRY_CHECK_MS);
    this.#timer.unref();
  }

  /** The name of an instance created without one: `rest-consumer-[<id>-]<uuid>`, as Confluent names it. */
  generatedName(): string {
    return `rest-consumer-${this.#config.id === '' ? '' : `${this.#config.id}-`}${randomUUID()}`;
  }

  /**
   * Creates an instance owned here. A name already used in the group, here or (on Kafka) by a live instance
   * elsewhere, is 409 with 40902.
   */
  async create(
    settings: ConsumerInstanceSettings,
    owner: ConsumerOwner,
    ownerAlive: (owner: ConsumerOwner) => Promise<boolean>,
  ): Promise<ConsumerInstance> {
    const key = id(settings.group, settings.name);
    if (this.#instances.has(key) || this.#reserved.has(key)) throw Errors.consumerAlreadyExists();
    this.#reserved.add(key);
    try {
      if (this.#registry !== undefined) {
        const existing = await this.#registry.lookup(settings.group, settings.name);
        // An entry of a proxy that no longer has the instance (it crashed) does not block the name.
        if (existing !== undefined && existing.owner !== owner.owner && (await ownerAlive(existing))) {
          throw Errors.consumerAlreadyExists();
        }
        await this.#registry.register(settings.group, settings.name, owner);
      }
      const instance = new ConsumerInstance(settings, {
        log: this.#log,
        groups: this.#groups,
        config: this.#config,
        warn: this.#warn,
      });
      this.#instances.set(key, instance);
      return instance;
    } finally {
      this.#reserved.delete(key);
    }
  }

  get(group: string, name: string): ConsumerInstance | undefined {
    return this.#instances.get(id(group, name));
  }

  /** Where another proxy's instance lives, if the registry knows it. */
  owner(group: string, name: string): Promise<ConsumerOwner | undefined> {
    return this.#registry?.lookup(group, name) ?? Promise.resolve(undefined);
  }

  /** Deletes an instance of this proxy (after the requests to it before this one). */
  async delete(instance: ConsumerInstance): Promise<void> {
    const { group, name } = instance.settings;
    if (this.#instances.get(id(group, name)) !== instance) throw Errors.consumerInstanceNotFound();
    this.#instances.delete(id(group, name));
    try {
      await instance.run(() => instance.close());
    } finally {
      await this.#registry
        ?.unregister(group, name)
        .catch((error: unknown) =>
          this.#warn(`could not remove consumer ${group}/${name} from the registry: ${String(error)}`),
        );
    }
  }

  /** Instances of this proxy, for `/v3` listings. */
  instances(): ConsumerInstance[] {
    return [...this.#instances.values()];
  }

  #expire(): void {
    if (this.#closed) return;
    const now = Date.now();
    for (const instance of this.#instances.values()) {
      if (!instance.expired(now, this.#config.consumerInstanceTimeoutMs)) continue;
      const { group, name } = instance.settings;
      this.delete(instance).catch((error: unknown) =>
        this.#warn(`closing the expired consumer ${group}/${name} failed: ${String(error)}`),
      );
    }
  }

  /** Closes every instance (committing where auto commit is on, leaving groups). */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await Promise.allSettled([...this.#instances.values()].map((instance) => this.delete(instance)));
  }
}
