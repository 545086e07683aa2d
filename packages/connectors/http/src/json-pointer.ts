/**
 * JSON Pointer (RFC 6901): `/a/b~1c/0` names member `a`, then member `b/c`, then element 0. `~1` stands for
 * `/` and `~0` for `~`, decoded in that order so `~01` is the member `~1`. The empty pointer is the whole
 * document. Documents are Connect data as the SDK's JsonConverter reads JSON (objects are `Map`s) or plain
 * JavaScript values.
 */
export class JsonPointer {
  /** The pointer's reference tokens, unescaped. */
  readonly tokens: readonly string[];

  private constructor(
    readonly text: string,
    tokens: readonly string[],
  ) {
    this.tokens = tokens;
  }

  /** Parses a pointer; throws a `SyntaxError` that says what is wrong. */
  static parse(text: string): JsonPointer {
    if (text === '') return new JsonPointer(text, []);
    if (!text.startsWith('/')) {
      throw new SyntaxError(`JSON pointer '${text}' must be empty or start with '/'`);
    }
    const tokens = text
      .slice(1)
      .split('/')
      .map((token) => {
        if (/~(?![01])/.test(token)) {
          throw new SyntaxError(`JSON pointer '${text}' has '~' not followed by 0 or 1 (write '~0' for '~')`);
        }
        return token.replaceAll('~1', '/').replaceAll('~0', '~');
      });
    return new JsonPointer(text, tokens);
  }

  /** The value the pointer names in `document`, or `undefined` when there is none. */
  get(document: unknown): unknown {
    let node = document;
    for (const token of this.tokens) {
      if (node instanceof Map) {
        if (!node.has(token)) return undefined;
        node = (node as Map<unknown, unknown>).get(token);
      } else if (Array.isArray(node)) {
        // RFC 6901: decimal digits without leading zeros; '-' (past the end) names nothing to read.
        if (!/^(0|[1-9]\d*)$/.test(token)) return undefined;
        const index = Number(token);
        if (index >= node.length) return undefined;
        node = node[index] as unknown;
      } else if (node !== null && typeof node === 'object' && !ArrayBuffer.isView(node)) {
        if (!Object.hasOwn(node, token)) return undefined;
        node = (node as Record<string, unknown>)[token];
      } else {
        return undefined;
      }
    }
    return node;
  }

  toString(): string {
    return this.text;
  }
}
