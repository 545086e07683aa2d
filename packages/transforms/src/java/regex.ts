/**
 * Java regular expressions as Connect configs write them, run on JavaScript's engine. The two syntaxes agree
 * on what topic patterns use (classes, groups, named groups, quantifiers, anchors); Java-only constructs
 * (possessive quantifiers, `\Q…\E`, POSIX classes) are rejected as invalid. Leading inline flags (`(?i)`,
 * `(?s)`, `(?m)`), common in Java configs, become JavaScript flags.
 */

const INLINE_FLAGS = /^\(\?([a-zA-Z]+)\)/;
const JS_FLAG_OF: Readonly<Record<string, string>> = { i: 'i', s: 's', m: 'm' };
/** Java flags with no effect on ASCII topic names here: UNICODE_CASE, UNIX_LINES, UNICODE_CHARACTER_CLASS. */
const IGNORED_FLAGS = 'udU';

/** A compiled Java pattern: `find` is Java's `Matcher.find`, `matches` its whole-input `Matcher.matches`. */
export class JavaPattern {
  readonly #find: RegExp;
  readonly #whole: RegExp;
  /** The number of capturing groups. */
  readonly groupCount: number;
  /** Names of the named groups. */
  readonly groupNames: ReadonlySet<string>;

  /** Throws a `SyntaxError` naming the problem when the pattern cannot be compiled. */
  constructor(readonly pattern: string) {
    let source = pattern;
    let flags = '';
    const inline = INLINE_FLAGS.exec(pattern);
    if (inline) {
      for (const flag of inline[1] ?? '') {
        const js = JS_FLAG_OF[flag];
        if (js !== undefined) flags += flags.includes(js) ? '' : js;
        else if (!IGNORED_FLAGS.includes(flag)) throw new SyntaxError(`Unsupported inline flag '${flag}'`);
      }
      source = pattern.slice(inline[0].length);
    }
    this.#find = new RegExp(source, flags);
    this.#whole = new RegExp(`^(?:${source})$`, flags);
    // An alternative that matches the empty string exposes the group count.
    const probe = new RegExp(`${source}|`, flags).exec('');
    this.groupCount = (probe?.length ?? 1) - 1;
    this.groupNames = new Set(
      [...source.matchAll(/\(\?<([A-Za-z][A-Za-z0-9]*)>/g)].map((m) => m[1] as string),
    );
  }

  /** Whether the whole text matches (Java's `Pattern.matches`). */
  matches(text: string): boolean {
    return this.#whole.test(text);
  }

  /** The first match in the text, as Java's `Matcher.find` after a reset. */
  find(text: string): RegExpExecArray | null {
    return this.#find.exec(text);
  }
}

type ReplacementPart = string | { readonly group: number | string };

/**
 * A replacement string in Java's syntax (`Matcher.replaceFirst`): `$n` and `${name}` insert groups (a group that
 * did not participate inserts nothing) and `\` quotes the next character. As in Java, `$12` is group 12 only
 * when the pattern has 12 groups, else group 1 followed by `2`.
 */
export class JavaReplacement {
  readonly #parts: readonly ReplacementPart[];

  /** Throws an `Error` with Java's reason when the replacement refers to a group the pattern lacks. */
  constructor(
    readonly replacement: string,
    pattern: JavaPattern,
  ) {
    this.#parts = compileReplacement(replacement, pattern);
  }

  /** The text with its first match replaced; the text itself when nothing matches. */
  replaceFirst(pattern: JavaPattern, text: string): string {
    const match = pattern.find(text);
    if (match === null) return text;
    const expanded = this.#parts
      .map((part) => {
        if (typeof part === 'string') return part;
        const value = typeof part.group === 'number' ? match[part.group] : match.groups?.[part.group];
        return value ?? '';
      })
      .join('');
    return text.slice(0, match.index) + expanded + text.slice(match.index + match[0].length);
  }
}

function compileReplacement(replacement: string, pattern: JavaPattern): ReplacementPart[] {
  const parts: ReplacementPart[] = [];
  let literal = '';
  let i = 0;
  const reference = (group: number | string) => {
    if (literal !== '') parts.push(literal);
    literal = '';
    parts.push({ group });
  };
  while (i < replacement.length) {
    const c = replacement.charAt(i);
    if (c === '\\') {
      if (i + 1 >= replacement.length) throw new Error('character to be escaped is missing');
      literal += replacement.charAt(i + 1);
      i += 2;
    } else if (c !== '$') {
      literal += c;
      i++;
    } else if (replacement.charAt(i + 1) === '{') {
      const name = /^[A-Za-z0-9]*/.exec(replacement.slice(i + 2))?.[0] ?? '';
      if (name === '') throw new Error('named capturing group has 0 length name');
      if (replacement.charAt(i + 2 + name.length) !== '}')
        throw new Error("named capturing group is missing trailing '}'");
      if (/^\d/.test(name)) throw new Error(`capturing group name {${name}} starts with digit character`);
      if (!pattern.groupNames.has(name)) throw new Error(`No group with name {${name}}`);
      reference(name);
      i += name.length + 3;
    } else {
      if (i + 1 >= replacement.length) throw new Error('Illegal group reference: group index is missing');
      const first = replacement.charAt(i + 1);
      if (!/\d/.test(first)) throw new Error('Illegal group reference');
      let group = Number(first);
      i += 2;
      // Java takes further digits only while they still name an existing group.
      while (
        /\d/.test(replacement.charAt(i)) &&
        group * 10 + Number(replacement.charAt(i)) <= pattern.groupCount
      ) {
        group = group * 10 + Number(replacement.charAt(i));
        i++;
      }
      if (group > pattern.groupCount) throw new Error(`No group ${group}`);
      reference(group);
    }
  }
  if (literal !== '') parts.push(literal);
  return parts;
}
