/**
 * Number text as Java prints it (`Double.toString`, `Float.toString`): Connect users see these forms in JSON
 * payloads (`1.0`, `1.0E20`), config defaults and headers, and `1.0` must stay a float for readers that infer
 * types from the text.
 */
export function javaDoubleToString(value: number): string {
  return format(value, value.toExponential());
}

/** `Float.toString` of a FLOAT32 value: the shortest digits that read back as the same 32-bit float. */
export function javaFloatToString(value: number): string {
  const float = Math.fround(value);
  if (!Number.isFinite(float)) return format(float, '');
  let text = float.toExponential();
  for (let digits = 0; digits < 9; digits++) {
    const candidate = float.toExponential(digits);
    if (Math.fround(Number(candidate)) === float) {
      text = candidate;
      break;
    }
  }
  return format(float, text);
}

function format(value: number, exponential: string): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const [mantissa = '', exp = '0'] = exponential.replace(/^-/, '').split('e');
  const digits = mantissa.replace('.', '');
  const exponent = Number(exp);
  const sign = value < 0 ? '-' : '';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
    const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
    return `${sign}${whole}.${digits.slice(exponent + 1) || '0'}`;
  }
  return `${sign}${digits[0] ?? '0'}.${digits.slice(1) || '0'}E${exponent}`;
}

/** An integral `number` as digits, never in exponent notation (`1e21` → `1000000000000000000000`). */
export function integerText(value: number): string {
  return Number.isSafeInteger(value) ? String(value) : BigInt(value).toString();
}
