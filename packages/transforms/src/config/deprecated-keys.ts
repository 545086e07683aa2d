/**
 * Props with deprecated keys moved to their replacements (Connect's `ConfigUtils.translateDeprecatedConfigs`):
 * a deprecated key is used only when its replacement is absent.
 */
export function translateDeprecatedKeys(
  props: Readonly<Record<string, unknown>>,
  replacements: Readonly<Record<string, string>>,
): Record<string, unknown> {
  const translated = { ...props };
  for (const [key, deprecated] of Object.entries(replacements)) {
    if (!Object.hasOwn(translated, key) && Object.hasOwn(translated, deprecated))
      translated[key] = translated[deprecated];
    delete translated[deprecated];
  }
  return translated;
}
