import {
  definePlugin,
  type Predicate,
  type PredicatePlugin,
  type Transformation,
  type TransformationPlugin,
} from '@sluice/sdk';
import { TRANSFORMS_VERSION } from '../version.js';
import { KEY, VALUE, type Operand } from './operand.js';

/** The Java packages of Connect's transforms and predicates, the prefixes of their class names. */
export const TRANSFORMS_PACKAGE = 'org.apache.kafka.connect.transforms';
export const PREDICATES_PACKAGE = `${TRANSFORMS_PACKAGE}.predicates`;

/** The descriptor of a transform with one class, e.g. `RegexRouter`. */
export function transformationPlugin(simpleName: string, create: () => Transformation): TransformationPlugin {
  return definePlugin({
    kind: 'transformation',
    className: `${TRANSFORMS_PACKAGE}.${simpleName}`,
    version: TRANSFORMS_VERSION,
    create,
  });
}

/** The `$Key` and `$Value` descriptors of a transform that works on either part of a record. */
export function keyValuePlugins(
  simpleName: string,
  create: (operand: Operand) => Transformation,
): TransformationPlugin[] {
  return [KEY, VALUE].map((operand) =>
    transformationPlugin(`${simpleName}$${operand.variant}`, () => create(operand)),
  );
}

export function predicatePlugin(simpleName: string, create: () => Predicate): PredicatePlugin {
  return definePlugin({
    kind: 'predicate',
    className: `${PREDICATES_PACKAGE}.${simpleName}`,
    version: TRANSFORMS_VERSION,
    create,
  });
}
