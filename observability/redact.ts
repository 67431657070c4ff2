// Secrets never reach a log line: values under a secret-looking key are replaced, and known secret
// values (registered at start: passwords from the settings, the API token) are cut out of any text,
// whatever key or message they hide in. Pattern rules catch the shapes secrets travel in over HTTP.

export const REDACTED = '[redacted]';

/** Keys whose values are secrets, whatever their case or separator (auth_key, X-Auth-Token, …). */
const SECRET_KEY = /password|passwd|passphrase|secret|token|auth_?key|authorization|credential|api_?key|cookie/i;

/** Secrets inside free text: `Bearer <x>`, `"password": "<x>"`, `auth_key=<x>`, `X-Auth-Token: <x>`. */
const TEXT_RULES: [RegExp, string][] = [
  [/\b(Bearer\s+)[^\s"',]+/gi, `$1${REDACTED}`],
  [/("(?:[\w-]*(?:password|secret|token|auth_key|authKey)[\w-]*)"\s*:\s*)"[^"]*"/gi, `$1"${REDACTED}"`],
  [/\b((?:password|secret|auth_key|authKey|x-auth-token|x-subject-token)\s*[=:]\s*)[^\s"',&]+/gi, `$1${REDACTED}`],
];

const known = new Set<string>();

/** Registers values that must never be printed (too short ones are ignored: they would cut words). */
export function registerSecrets(...values: (string | undefined | null)[]): void {
  for (const v of values) if (v && v.length >= 6) known.add(v);
}

export const isSecretKey = (key: string): boolean => SECRET_KEY.test(key);

export function redactText(text: string): string {
  let out = text;
  for (const secret of known) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  for (const [pattern, replacement] of TEXT_RULES) out = out.replace(pattern, replacement);
  return out;
}

/** A copy of `value` fit for a log: secret keys masked, strings scrubbed, cycles and depth cut. */
export function redactValue(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value instanceof Error) return redactText(value.message);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value.toISOString();
  // Payloads (the SDK's debug lines carry activity inputs, activations) are bytes: their size, never their content.
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  if (seen.has(value) || depth > 6) return '[…]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretKey(k) && v !== undefined && v !== null ? REDACTED : redactValue(v, depth + 1, seen);
  }
  return out;
}
