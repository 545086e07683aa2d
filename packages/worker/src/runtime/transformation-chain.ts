// A connector's single message transforms (`transforms`, `predicates`): resolved on the main thread into
// plugin locations and configs, instantiated in the task's thread, applied to each record in order.
import { ConfigError, SluiceError } from '@sluice/errors';
import type { ConnectRecord, PluginKind, Predicate, Transformation } from '@sluice/sdk';
import { loadPlugin, type PluginLocation } from '@sluice/plugins';
import { commaList, withPrefixRemoved } from '@sluice/sdk';
import { SKIPPED, type ErrorHandler, type FailedRecord, type Skipped } from './error-handling.js';

/** A plugin and the settings it is configured with (its prefix removed). */
export interface ConfiguredPlugin extends PluginLocation {
  config: Record<string, string>;
}

export interface TransformSpec {
  alias: string;
  transformation: ConfiguredPlugin;
  /** Applies the transform only to records the predicate accepts (rejects, with `negate`). */
  predicate?: ConfiguredPlugin & { alias: string; negate: boolean };
}

/**
 * The transforms of a connector config, as Connect's `ConnectorConfig.transformationStages` reads them:
 * `transforms.<alias>.type` names the class, the other `transforms.<alias>.*` keys (but `predicate` and
 * `negate`) configure it; `transforms.<alias>.predicate` names an alias of `predicates`, configured the
 * same way from `predicates.<alias>.*`. The config was validated before; this fails only on a mistake.
 */
export function resolveTransformSpecs(
  connector: Readonly<Record<string, string>>,
  find: (name: string, kinds: readonly PluginKind[]) => PluginLocation | undefined,
): TransformSpec[] {
  const locate = (key: string, kind: PluginKind): PluginLocation => {
    const className = (connector[key] ?? '').trim();
    const location = find(className, [kind]);
    if (location === undefined) throw new ConfigError(key, `${key}: no ${kind} plugin named '${className}'`);
    return location;
  };
  return commaList(connector['transforms']).map((alias) => {
    const prefix = `transforms.${alias}.`;
    const config = withPrefixRemoved(connector, prefix);
    const predicateAlias = (config['predicate'] ?? '').trim();
    const negate = (config['negate'] ?? 'false').trim().toLowerCase() === 'true';
    delete config['predicate'];
    delete config['negate'];
    const spec: TransformSpec = {
      alias,
      transformation: { ...locate(`${prefix}type`, 'transformation'), config },
    };
    if (predicateAlias !== '') {
      const predicatePrefix = `predicates.${predicateAlias}.`;
      spec.predicate = {
        ...locate(`${predicatePrefix}type`, 'predicate'),
        config: withPrefixRemoved(connector, predicatePrefix),
        alias: predicateAlias,
        negate,
      };
    }
    return spec;
  });
}

interface Stage {
  className: string;
  transformation: Transformation;
  predicate?: { predicate: Predicate; negate: boolean };
}

/**
 * The configured transforms of one task. `apply` runs them in order through the task's error handler
 * (stage TRANSFORMATION): a transform that returns null drops the record (`null`), a tolerated failure
 * skips it (`SKIPPED`).
 */
export class TransformationChain {
  readonly #stages: readonly Stage[];

  private constructor(stages: readonly Stage[]) {
    this.#stages = stages;
  }

  get isEmpty(): boolean {
    return this.#stages.length === 0;
  }

  static async load(
    specs: readonly TransformSpec[],
    enter: <T>(callback: () => T) => T = (callback) => callback(),
  ): Promise<TransformationChain> {
    const stages: Stage[] = [];
    for (const spec of specs) {
      const transformation = await instantiate<Transformation>(spec.transformation, 'transformation', enter);
      const stage: Stage = { className: spec.transformation.className, transformation };
      if (spec.predicate !== undefined) {
        const predicate = await instantiate<Predicate>(spec.predicate, 'predicate', enter);
        stage.predicate = { predicate, negate: spec.predicate.negate };
      }
      stages.push(stage);
    }
    return new TransformationChain(stages);
  }

  /** The record after every transform; null when one dropped it, SKIPPED when a failure was tolerated. */
  async apply<R extends ConnectRecord>(
    record: R,
    errors: ErrorHandler,
    failed: FailedRecord,
    enter: <T>(callback: () => T) => T,
  ): Promise<R | null | Skipped> {
    let current: R = record;
    for (const { className, transformation, predicate } of this.#stages) {
      const input = current;
      let outcome = errors.execute(
        'TRANSFORMATION',
        className,
        () =>
          enter(() =>
            predicate === undefined || predicate.predicate.test(input) !== predicate.negate
              ? (transformation.apply(input) as R | null)
              : input,
          ),
        failed,
      );
      if (outcome instanceof Promise) outcome = await outcome;
      if (outcome === null || outcome === SKIPPED) return outcome;
      current = outcome;
    }
    return current;
  }

  close(enter: <T>(callback: () => T) => T): void {
    for (const { transformation, predicate } of this.#stages) {
      for (const plugin of predicate === undefined
        ? [transformation]
        : [transformation, predicate.predicate]) {
        try {
          enter(() => plugin.close());
        } catch {
          // Nothing the task still needs depends on a transform closing cleanly.
        }
      }
    }
  }
}

async function instantiate<T extends Transformation | Predicate>(
  spec: ConfiguredPlugin,
  kind: 'transformation' | 'predicate',
  enter: <U>(callback: () => U) => U,
): Promise<T> {
  const descriptor = await loadPlugin(spec);
  if (descriptor.kind !== kind)
    throw new SluiceError('SLUICE_PLUGIN_NOT_FOUND', `${spec.className} in ${spec.module} is not a ${kind}`);
  return enter(() => {
    const instance = descriptor.create() as T;
    instance.configure({ ...spec.config });
    return instance;
  });
}
