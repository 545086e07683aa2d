/**
 * Java's `String.split` with a literal one-character separator: trailing empty strings are dropped
 * (`"a:b:"` → `["a", "b"]`, `":"` → `[]`), which decides how Connect reads `field:type` style list entries.
 */
export function splitLikeJava(text: string, separator: string): string[] {
  const parts = text.split(separator);
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  return parts.length === 1 && parts[0] === '' && text !== '' ? [] : parts;
}
