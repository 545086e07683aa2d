/**
 * `@sluice/transforms`: Apache Kafka Connect's built-in single message transforms and predicates
 * (`org.apache.kafka.connect.transforms.*`, connect-transforms 3.9), config-compatible with Apache's.
 * Predicate wiring (`transforms.<alias>.predicate`, `negate`) is the runtime's.
 */
import type { PredicatePlugin, TransformationPlugin } from '@sluice/sdk';
import { keyValuePlugins, predicatePlugin, transformationPlugin } from './base/plugin-factories.js';
import { HasHeaderKey } from './predicates/has-header-key.js';
import { RecordIsTombstone } from './predicates/record-is-tombstone.js';
import { TopicNameMatches } from './predicates/topic-name-matches.js';
import { Cast } from './transforms/cast.js';
import { DropHeaders } from './transforms/drop-headers.js';
import { ExtractField } from './transforms/extract-field.js';
import { Filter } from './transforms/filter.js';
import { Flatten } from './transforms/flatten.js';
import { HeaderFrom } from './transforms/header-from.js';
import { HoistField } from './transforms/hoist-field.js';
import { InsertField } from './transforms/insert-field.js';
import { InsertHeader } from './transforms/insert-header.js';
import { MaskField } from './transforms/mask-field.js';
import { RegexRouter } from './transforms/regex-router.js';
import { ReplaceField } from './transforms/replace-field.js';
import { SetSchemaMetadata } from './transforms/set-schema-metadata.js';
import { TimestampConverter } from './transforms/timestamp-converter.js';
import { TimestampRouter } from './transforms/timestamp-router.js';
import { ValueToKey } from './transforms/value-to-key.js';

export { KEY, VALUE, type Operand } from './base/operand.js';
export { PREDICATES_PACKAGE, TRANSFORMS_PACKAGE } from './base/plugin-factories.js';
export { TRANSFORMS_VERSION } from './version.js';
export {
  Cast,
  DropHeaders,
  ExtractField,
  Filter,
  Flatten,
  HasHeaderKey,
  HeaderFrom,
  HoistField,
  InsertField,
  InsertHeader,
  MaskField,
  RecordIsTombstone,
  RegexRouter,
  ReplaceField,
  SetSchemaMetadata,
  TimestampConverter,
  TimestampRouter,
  TopicNameMatches,
  ValueToKey,
};

/** Every transform and predicate, under Apache's class names (`InsertField$Value`, `predicates.HasHeaderKey`, …). */
export const plugins: readonly (TransformationPlugin | PredicatePlugin)[] = Object.freeze([
  ...keyValuePlugins('Cast', (operand) => new Cast(operand)),
  transformationPlugin('DropHeaders', () => new DropHeaders()),
  ...keyValuePlugins('ExtractField', (operand) => new ExtractField(operand)),
  transformationPlugin('Filter', () => new Filter()),
  ...keyValuePlugins('Flatten', (operand) => new Flatten(operand)),
  ...keyValuePlugins('HeaderFrom', (operand) => new HeaderFrom(operand)),
  ...keyValuePlugins('HoistField', (operand) => new HoistField(operand)),
  ...keyValuePlugins('InsertField', (operand) => new InsertField(operand)),
  transformationPlugin('InsertHeader', () => new InsertHeader()),
  ...keyValuePlugins('MaskField', (operand) => new MaskField(operand)),
  transformationPlugin('RegexRouter', () => new RegexRouter()),
  ...keyValuePlugins('ReplaceField', (operand) => new ReplaceField(operand)),
  ...keyValuePlugins('SetSchemaMetadata', (operand) => new SetSchemaMetadata(operand)),
  ...keyValuePlugins('TimestampConverter', (operand) => new TimestampConverter(operand)),
  transformationPlugin('TimestampRouter', () => new TimestampRouter()),
  transformationPlugin('ValueToKey', () => new ValueToKey()),
  predicatePlugin('HasHeaderKey', () => new HasHeaderKey()),
  predicatePlugin('RecordIsTombstone', () => new RecordIsTombstone()),
  predicatePlugin('TopicNameMatches', () => new TopicNameMatches()),
]);
