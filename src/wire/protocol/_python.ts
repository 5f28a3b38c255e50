// Python value formatting (repr, str, json.dumps) so hashes and bodies match what Bittensor builds.

/** How a value should be rendered when JavaScript cannot tell (an integral number may be a Python float). */
export type PyKind = 'int' | 'float' | 'str' | 'bool' | 'any';

/** Python's `repr(float)`: shortest round-trip digits, `.0` on integral values, exponent outside [1e-4, 1e16). */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa = '', expText = '0'] = x.toExponential().split('e');
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const body = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const expAbs = String(Math.abs(exp)).padStart(2, '0');
    return `${sign}${body}e${exp < 0 ? '-' : '+'}${expAbs}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const fracPart = digits.slice(exp + 1);
  return `${sign}${intPart}.${fracPart || '0'}`;
}

function pyNumber(x: number, kind: PyKind): string {
  if (kind === 'float' || !Number.isInteger(x)) return pyFloatRepr(x);
  return String(x);
}

// Python's repr(str) quoting rules; non-ASCII characters are kept, as Python does for printable ones.
function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/** Python's `repr(value)` for JSON-like data. */
export function pyRepr(value: unknown, kind: PyKind = 'any'): string {
  if (typeof value === 'string') return pyStrRepr(value);
  return pyStr(value, kind);
}

/** Python's `str(value)` for JSON-like data (what `Synapse.body_hash` hashes per field). */
export function pyStr(value: unknown, kind: PyKind = 'any'): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return pyNumber(value, kind);
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return `[${value.map((v) => pyRepr(v)).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([k, v]) => `${pyStrRepr(k)}: ${pyRepr(v)}`).join(', ')}}`;
  }
  return String(value);
}

// ensure_ascii=True escapes everything outside printable ASCII, DEL included.
function pyJsonString(s: string): string {
  return JSON.stringify(s).replace(
    /[\u007f-\uffff]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function pyJsonNumber(x: number, kind: PyKind): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  return pyNumber(x, kind);
}

/**
 * Python's `json.dumps(value)` with its defaults (separators `, ` and `: `, ensure_ascii), which is what
 * aiohttp sends for `json=`. `kinds` names the Python type of top-level fields whose value is a number.
 */
export function pyJsonDumps(value: unknown, kinds?: ReadonlyMap<string, PyKind>): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return pyJsonString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return pyJsonNumber(value, 'any');
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return `[${value.map((v) => pyJsonDumps(v)).join(', ')}]`;
  const parts: string[] = [];
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const kind = kinds?.get(key);
    const text = typeof v === 'number' && kind !== undefined ? pyJsonNumber(v, kind) : pyJsonDumps(v);
    parts.push(`${pyJsonString(key)}: ${text}`);
  }
  return `{${parts.join(', ')}}`;
}
