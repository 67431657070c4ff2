import type { Context } from 'hono';
import type { z } from 'zod';
import { ApiError, type Dialect } from './errors';

/**
 * Validation at the edge: every request body goes through a zod schema, and the first
 * problem becomes a 400 in the service's own words, naming the field:
 *  - cinder/nova (jsonschema): "Invalid input for field/attribute name. Value: 5. 5 is not of type 'string'"
 *  - keystone: "Invalid input for field 'identity': 'methods' is a required property"
 */
const MALFORMED_BODY: Record<Dialect, string> = {
  fault: 'Malformed request body',
  neutron: 'Malformed request body',
  keystone:
    'Expecting to find valid JSON in request body. The server could not comply with the request since it is ' +
    'either malformed or otherwise incorrect. The client is assumed to be in error.',
};

export async function readJson<S extends z.ZodType>(c: Context, schema: S, dialect: Dialect): Promise<z.output<S>> {
  const text = await c.req.text();
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ApiError(400, MALFORMED_BODY[dialect], dialect);
  }
  return parseWith(schema, data, dialect);
}

/** Validates already-parsed data; the first problem becomes the service's 400. */
export function parseWith<S extends z.ZodType>(schema: S, data: unknown, dialect: Dialect): z.output<S> {
  const parsed = schema.safeParse(data);
  if (!parsed.success)
    throw new ApiError(400, describeIssue(parsed.error.issues[0] as unknown as Issue, data, dialect), dialect);
  return parsed.data;
}

type Issue = { code: string; path: PropertyKey[]; message: string } & Record<string, unknown>;

function valueAt(data: unknown, path: PropertyKey[]): unknown {
  let cur: unknown = data;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** Python's repr() of a JSON value, as the services' jsonschema messages show it ({'a': True, 'b': None}). */
export function repr(value: unknown): string {
  if (typeof value === 'string') {
    return value.includes("'") && !value.includes('"') ? `"${value}"` : `'${value.replaceAll("'", "\\'")}'`;
  }
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (Array.isArray(value)) return `[${value.map(repr).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${repr(k)}: ${repr(v)}`)
      .join(', ')}}`;
  }
  return String(value);
}

/** Python's str() of a JSON value: strings bare, the rest as repr() (what "Value: %s" prints in the services). */
export const pyStr = (value: unknown): string => (typeof value === 'string' ? value : repr(value));

const JSON_TYPE_NAMES: Record<string, string> = {
  number: 'number',
  int: 'integer',
  string: 'string',
  boolean: 'boolean',
  object: 'object',
  array: 'array',
  null: 'null',
};

function explain(issue: Issue, value: unknown, missingKey: PropertyKey | undefined): string {
  if (missingKey !== undefined) return `'${String(missingKey)}' is a required property`;
  switch (issue.code) {
    case 'invalid_type':
      return `${repr(value)} is not of type '${JSON_TYPE_NAMES[String(issue.expected)] ?? String(issue.expected)}'`;
    case 'too_small':
      return typeof value === 'number'
        ? `${value} is less than the minimum of ${String(issue.minimum)}`
        : `${repr(value)} is too short`;
    case 'too_big':
      return typeof value === 'number'
        ? `${value} is greater than the maximum of ${String(issue.maximum)}`
        : `${repr(value)} is too long`;
    case 'unrecognized_keys': {
      const keys = (issue.keys as string[]).map((k) => `'${k}'`);
      const verb = keys.length > 1 ? 'were' : 'was';
      return `Additional properties are not allowed (${keys.join(', ')} ${verb} unexpected)`;
    }
    case 'invalid_value':
      return `${repr(value)} is not one of ${repr(issue.values)}`;
    case 'invalid_format':
      return `${repr(value)} is not a '${String(issue.format)}'`;
    default:
      return issue.message;
  }
}

function describeIssue(issue: Issue, data: unknown, dialect: Dialect): string {
  const value = valueAt(data, issue.path);
  const missing =
    ['invalid_type', 'invalid_value'].includes(issue.code) && value === undefined && issue.path.length > 0;
  // A missing property is reported on its parent object, as jsonschema does.
  const fieldPath = missing ? issue.path.slice(0, -1) : issue.path;
  const reason = explain(issue, value, missing ? issue.path[issue.path.length - 1] : undefined);
  if (dialect === 'keystone') {
    return fieldPath.length ? `Invalid input for field '${fieldPath.map(String).join('/')}': ${reason}` : reason;
  }
  if (dialect === 'neutron') {
    return neutronReason(issue, fieldPath, missing ? issue.path[issue.path.length - 1] : undefined, reason);
  }
  if (!fieldPath.length) return reason;
  const field = String(fieldPath[fieldPath.length - 1]);
  return `Invalid input for field/attribute ${field}. Value: ${pyStr(valueAt(data, fieldPath))}. ${reason}`;
}

/** neutron's words: its attribute validators, not jsonschema. */
function neutronReason(issue: Issue, fieldPath: PropertyKey[], missingKey: PropertyKey | undefined, reason: string) {
  if (missingKey !== undefined) {
    return `Failed to parse request. Required attribute '${String(missingKey)}' not specified`;
  }
  if (issue.code === 'unrecognized_keys') return `Unrecognized attribute(s) '${(issue.keys as string[]).join(', ')}'`;
  const field = fieldPath.length ? String(fieldPath[fieldPath.length - 1]) : 'operation';
  return `Invalid input for ${field}. Reason: ${reason}.`;
}

/** Optional non-negative integer query parameter (limit, …); 400 naming the parameter otherwise. */
export function queryInt(c: Context, name: string): number | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return undefined;
  if (/^-\d+$/.test(raw)) throw new ApiError(400, `${name} param must be positive`, 'fault');
  if (!/^\d+$/.test(raw)) throw new ApiError(400, `${name} param must be an integer`, 'fault');
  return Number(raw);
}

/** True for the spellings of "yes" that cinder/nova accept in query strings (all_tenants=1, True, …). */
export function queryFlag(c: Context, name: string): boolean {
  const raw = c.req.query(name);
  if (raw === undefined) return false;
  return ['1', 'true', 'yes', 'on', 't', 'y'].includes(raw.toLowerCase());
}
