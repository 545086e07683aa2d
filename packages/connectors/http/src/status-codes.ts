/** A set of HTTP status codes written as `404,408,500-` or `400-500`: single codes and inclusive ranges. */
export class StatusCodes {
  private constructor(
    readonly text: string,
    readonly ranges: readonly (readonly [number, number])[],
  ) {}

  /**
   * Parses a comma-separated list of codes (`404`), ranges with an end (`400-500`, both included) and open
   * ranges (`500-`, every code from 500 up). Codes are three digits from 100 to 599; blanks around items are
   * ignored; an empty text is the empty set. Throws an `Error` whose message names `key` and the bad item.
   */
  static parse(key: string, text: string): StatusCodes {
    const ranges: [number, number][] = [];
    if (text.trim() === '') return new StatusCodes(text, ranges);
    for (const raw of text.split(',')) {
      const item = raw.trim();
      const match = /^(\d{3})(?:\s*(-)\s*(\d{3})?)?$/.exec(item);
      const problem = `${key}: '${item}' is not a status code (100-599) or a range of them such as 400-500 or 500-`;
      if (match === null) throw new Error(problem);
      const start = Number(match[1]);
      const end = match[2] === undefined ? start : match[3] === undefined ? 599 : Number(match[3]);
      if (!valid(start) || !valid(end)) throw new Error(problem);
      if (end < start) throw new Error(`${key}: range '${item}' ends before it starts`);
      ranges.push([start, end]);
    }
    return new StatusCodes(text, ranges);
  }

  has(status: number): boolean {
    return this.ranges.some(([start, end]) => status >= start && status <= end);
  }

  toString(): string {
    return this.text;
  }
}

function valid(code: number): boolean {
  return code >= 100 && code <= 599;
}
