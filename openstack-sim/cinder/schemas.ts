import { z } from 'zod';
import { fault } from '../errors';
import { pyStr, repr } from '../validation';

/** Field shapes shared by cinder request bodies (cinder's parameter_types). */
export const Text = z.string().max(255).nullish();
/** cinder accepts booleans as JSON booleans or as strings ("True", "false", …). */
export const Flag = z.union([z.boolean(), z.enum(['true', 'false', 'True', 'False', '1', '0'])]).nullish();

export const isTrue = (flag: boolean | string | null | undefined): boolean =>
  flag === true || (typeof flag === 'string' && ['true', '1'].includes(flag.toLowerCase()));

/** jsonschema's words for a value of none of `types` ("5 is not of type 'string', 'null'"). */
const notOfType = (value: unknown, types: string[]) =>
  `${repr(value)} is not of type ${types.map((t) => `'${t}'`).join(', ')}`;

/** A name or description before cinder's own length check (see namesOf): a string or null. */
export const LongText = z
  .unknown()
  .superRefine((v, ctx) => {
    if (v !== undefined && v !== null && typeof v !== 'string') {
      ctx.addIssue({ code: 'custom', message: notOfType(v, ['string', 'null']) });
    }
  })
  .transform((v) => v as string | null | undefined)
  .optional();

/** Why cinder's volume_size_allows_null refuses a size, if it does: an integer >= 1, or a string of digits. */
function sizeProblem(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return /^[0-9]+$/.test(v) ? undefined : `${repr(v)} does not match '^[0-9]+$'`;
  if (typeof v !== 'number' || !Number.isInteger(v)) return notOfType(v, ['integer', 'string', 'null']);
  return v < 1 ? `${v} is less than the minimum of 1` : undefined;
}

/** A volume size as cinder's schema takes it (a number or a numeric string), in jsonschema's words otherwise. */
export const Size = z
  .unknown()
  .superRefine((v, ctx) => {
    const problem = sizeProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform((v) => (v === undefined || v === null ? v : Number(v)))
  .optional();

interface Aliased {
  name?: string | null;
  display_name?: string | null;
  description?: string | null;
  display_description?: string | null;
}

/**
 * cinder still takes the v1 spellings display_name / display_description (the Debian `openstack
 * volume set` sends them); name / description win when both are sent, even as null. Lengths are
 * checked after, in cinder's words ("name has 256 characters, more than 255."). Undefined = not sent.
 */
export function namesOf(req: Aliased): { name?: string | null; description?: string | null } {
  const name = req.name !== undefined ? req.name : req.display_name;
  const description = req.description !== undefined ? req.description : req.display_description;
  for (const [field, value] of [
    ['name', name],
    ['description', description],
  ] as const) {
    if (typeof value === 'string' && value.length > 255) {
      throw fault.badRequest(`Invalid input received: ${field} has ${value.length} characters, more than 255.`);
    }
  }
  return { ...(name !== undefined ? { name } : {}), ...(description !== undefined ? { description } : {}) };
}

const METADATA_KEY = /^[a-zA-Z0-9-_:. /]{1,255}$/;

/** What jsonschema says about a metadata dict, and where (a key for its value, nothing for the dict). */
interface MetadataProblem {
  key?: string;
  message: string;
}

/**
 * cinder's extra_specs schema, which volume and snapshot metadata go through: keys of 1–255 letters, digits and
 * `-_:. /`, string values up to 255 characters. `types`: what the dict may be (create bodies allow null);
 * `size`: the number of keys (the single-key body of PUT /metadata/{key}).
 */
function metadataProblem(
  value: unknown,
  types: string[],
  size?: number,
  { keys = true } = {},
): MetadataProblem | undefined {
  if (value === null && types.includes('null')) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { message: notOfType(value, types) };
  const entries = Object.entries(value as Record<string, unknown>);
  if (size !== undefined && entries.length < size) return { message: `${repr(value)} does not have enough properties` };
  if (size !== undefined && entries.length > size) return { message: `${repr(value)} has too many properties` };
  for (const [key, v] of entries) {
    if (keys && !METADATA_KEY.test(key)) {
      return { message: `${repr(key)} does not match any of the regexes: '${METADATA_KEY.source}'` };
    }
    if (typeof v !== 'string') return { key, message: notOfType(v, ['string']) };
    if (v.length > 255) return { key, message: `${repr(v)} is too long` };
  }
  return undefined;
}

/** A metadata body of the metadata API (field "metadata" or "meta"), or cinder's 400; `keys`: check key names. */
export function checkMetadata(
  field: string,
  value: unknown,
  size?: number,
  options: { keys?: boolean } = {},
): Record<string, string> {
  const problem = metadataProblem(value, ['object'], size, options);
  if (problem) {
    const [at, shown] =
      problem.key === undefined ? [field, value] : [problem.key, (value as Record<string, unknown>)[problem.key]];
    throw fault.badRequest(`Invalid input for field/attribute ${at}. Value: ${pyStr(shown)}. ${problem.message}`);
  }
  return value as Record<string, string>;
}

/** The metadata of a create or update body: a dict as above, or null. */
export const Metadata = z
  .unknown()
  .superRefine((v, ctx) => {
    const problem = v === undefined ? undefined : metadataProblem(v, ['object', 'null']);
    if (problem) ctx.addIssue({ code: 'custom', message: problem.message, path: problem.key ? [problem.key] : [] });
  })
  .transform((v) => v as Record<string, string> | null | undefined)
  .optional();

/** A body of exactly one required key (cinder's `required` + `additionalProperties: false`), its value returned. */
export function onlyKey(body: unknown, key: string): unknown {
  const record = (body ?? {}) as Record<string, unknown>;
  if (!(key in record)) throw fault.badRequest(`'${key}' is a required property`);
  const extra = Object.keys(record).filter((k) => k !== key);
  if (extra.length) {
    const verb = extra.length > 1 ? 'were' : 'was';
    throw fault.badRequest(
      `Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} ${verb} unexpected)`,
    );
  }
  return record[key];
}
