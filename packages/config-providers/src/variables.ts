/** One `${provider:[path:]key}` reference in a config value. */
export interface ConfigVariable {
  /** The reference as written, `${…}` included. */
  text: string;
  provider: string;
  /** Empty when the reference has no path. */
  path: string;
  key: string;
}

// Kafka's ConfigTransformer pattern, `${(.*?):((.*?):)?(.*?)}`, with Java's `.`: any character but a line
// terminator (JavaScript's `.` would match U+0085, a line terminator to Java). Kept as Kafka has it, quirks
// included: in `${env:A} ${env:B}` the lazy path runs on to the next colon, giving one variable with path
// `A} ${env` and key `B`.
const ANY = '[^\\n\\r\\u0085\\u2028\\u2029]';
const PATTERN = `\\$\\{(${ANY}*?):(?:(${ANY}*?):)?(${ANY}*?)\\}`;

function matches(value: string): IterableIterator<RegExpExecArray> {
  return value.matchAll(new RegExp(PATTERN, 'g'));
}

function toVariable(match: RegExpExecArray): ConfigVariable {
  return { text: match[0], provider: match[1]!, path: match[2] ?? '', key: match[3]! };
}

/** Every reference in `value`, left to right. */
export function variablesIn(value: string): ConfigVariable[] {
  return Array.from(matches(value), toVariable);
}

export function containsVariable(value: string): boolean {
  return new RegExp(PATTERN).test(value);
}

/** Replaces each reference by `resolve(variable)`, or leaves it as written when that returns undefined. */
export function replaceVariables(
  value: string,
  resolve: (variable: ConfigVariable) => string | undefined,
): string {
  let result = '';
  let copied = 0;
  for (const match of matches(value)) {
    result += value.slice(copied, match.index) + (resolve(toVariable(match)) ?? match[0]);
    copied = match.index + match[0].length;
  }
  return result + value.slice(copied);
}
