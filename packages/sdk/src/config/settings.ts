// Reading flat string settings (connector and worker configs) the way Kafka's LIST type and its
// `originalsWithPrefix` do.

/** The items of a comma-separated setting, trimmed, blanks dropped. */
export function commaList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** The settings under `prefix`, with it removed. */
export function withPrefixRemoved(
  settings: Readonly<Record<string, string>>,
  prefix: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings))
    if (name.startsWith(prefix) && name.length > prefix.length) out[name.slice(prefix.length)] = value;
  return out;
}
