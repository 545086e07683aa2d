import { SluiceError } from '@sluice/errors';

/**
 * Parses Java `.properties` text as `java.util.Properties.load(Reader)` does, so a secrets file written for
 * Kafka's FileConfigProvider reads the same here:
 * - a logical line starts at its first non-blank character (blank: space, tab, form feed); blank lines and
 *   comments (`#` or `!` where a logical line starts) are skipped;
 * - a line ending in an odd number of backslashes continues on the next one, whose leading blanks are
 *   dropped; a comment never continues;
 * - the key ends at the first unescaped `=`, `:` or blank; blanks, then one `=` or `:`, then blanks separate
 *   it from the value, which keeps its trailing blanks;
 * - `\t`, `\n`, `\r`, `\f` and `\u` with four hex digits are escapes, any other escaped character stands for itself;
 * - a later key replaces an earlier one.
 * Throws when a `\u` escape is not followed by four hex digits, as Java does.
 */
export function parseProperties(text: string): Map<string, string> {
  const properties = new Map<string, string>();
  for (const line of logicalLines(text)) {
    const { key, value } = splitKeyValue(line);
    properties.set(unescape(key), unescape(value));
  }
  return properties;
}

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\f';

function* logicalLines(text: string): Generator<string> {
  let line = '';
  for (const { content, endsInput } of physicalLines(text)) {
    const rest = content.replace(/^[ \t\f]+/, '');
    // While the logical line is still empty (even after a continuation), blank and comment lines are
    // skipped, and a comment never continues.
    if (line === '' && (rest === '' || rest.startsWith('#') || rest.startsWith('!'))) continue;
    if (trailingBackslashes(rest) % 2 === 0) {
      yield line + rest;
      line = '';
      continue;
    }
    line += rest.slice(0, -1);
    // Java's quirk: a continuation at the very end of the input, or followed by a lone \n or \r that ends
    // it, ends the logical line even when that is empty (an empty key).
    if (endsInput) {
      yield line;
      return;
    }
  }
  if (line !== '') yield line;
}

interface PhysicalLine {
  content: string;
  /** Nothing follows but a single \n or \r. */
  endsInput: boolean;
}

function* physicalLines(text: string): Generator<PhysicalLine> {
  const lineEnd = /\r\n|\r|\n/g;
  let start = 0;
  while (start < text.length) {
    const match = lineEnd.exec(text);
    const end = match?.index ?? text.length;
    const next = match === null ? text.length : lineEnd.lastIndex;
    yield { content: text.slice(start, end), endsInput: next >= text.length && match?.[0] !== '\r\n' };
    start = next;
  }
}

function trailingBackslashes(text: string): number {
  let count = 0;
  while (text[text.length - 1 - count] === '\\') count++;
  return count;
}

function splitKeyValue(line: string): { key: string; value: string } {
  let keyEnd = 0;
  while (keyEnd < line.length) {
    const c = line[keyEnd];
    if (c === '=' || c === ':' || isBlank(c)) break;
    keyEnd += c === '\\' ? 2 : 1;
  }
  keyEnd = Math.min(keyEnd, line.length);
  let valueStart = keyEnd;
  let separated = false;
  while (valueStart < line.length) {
    const c = line[valueStart];
    if (!isBlank(c)) {
      if (separated || (c !== '=' && c !== ':')) break;
      separated = true;
    }
    valueStart++;
  }
  return { key: line.slice(0, keyEnd), value: line.slice(valueStart) };
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { t: '\t', n: '\n', r: '\r', f: '\f' };

function unescape(text: string): string {
  if (!text.includes('\\')) return text;
  let result = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '\\') {
      result += c;
      continue;
    }
    const escaped = text[++i];
    if (escaped === undefined) break;
    if (escaped !== 'u') {
      result += SIMPLE_ESCAPES[escaped] ?? escaped;
      continue;
    }
    const hex = text.slice(i + 1, i + 5);
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
      throw new SluiceError('SLUICE_PROPERTIES_MALFORMED', `malformed \\uxxxx escape: \\u${hex}`);
    }
    result += String.fromCharCode(parseInt(hex, 16));
    i += 4;
  }
  return result;
}
