/** The template variables of `url`, `http.request.parameters`, `http.request.body` and `topic.name.pattern`. */
export const OFFSET_VARIABLE = 'offset';
export const ENTITY_NAME_VARIABLE = 'entityName';
const KNOWN = new Set([OFFSET_VARIABLE, ENTITY_NAME_VARIABLE]);

const VARIABLE = /\$\{([^}]*)\}/g;

/** The values to substitute; a variable left out is kept as written. */
export interface TemplateValues {
  readonly offset?: string;
  readonly entityName?: string;
}

/** Whether `template` uses `${name}`. */
export function usesVariable(template: string | null, name: string): boolean {
  return template !== null && template.includes(`\${${name}}`);
}

/** The `${…}` variables of `template` that are neither `${offset}` nor `${entityName}`, in order, once each. */
export function unknownVariables(template: string | null): string[] {
  if (template === null) return [];
  const unknown = new Set<string>();
  for (const match of template.matchAll(VARIABLE)) {
    if (!KNOWN.has(match[1] ?? '')) unknown.add(match[0]);
  }
  return [...unknown];
}

/** `template` with each `${offset}` and `${entityName}` replaced by its value, as is (no escaping). */
export function render(template: string, values: TemplateValues): string {
  return template.replace(VARIABLE, (whole, name: string) => {
    if (name === OFFSET_VARIABLE && values.offset !== undefined) return values.offset;
    if (name === ENTITY_NAME_VARIABLE && values.entityName !== undefined) return values.entityName;
    return whole;
  });
}
