import type { ConnectRecord, Transformation } from '@sluice/sdk';
import { Configurable } from './configurable.js';
import type { Operand } from './operand.js';

/** A transform of a record's key or value (Apache's `$Key` and `$Value` classes), chosen when it is created. */
export abstract class OperandTransformation<S> extends Configurable<S> implements Transformation {
  constructor(protected readonly operand: Operand) {
    super();
  }

  abstract apply<R extends ConnectRecord>(record: R): R | null;
}
