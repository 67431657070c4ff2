import { z } from 'zod';
import { fault } from '../errors';

/** Field shapes shared by cinder request bodies (cinder's parameter_types). */
export const Metadata = z.record(z.string().max(255), z.string().max(255));
export const Text = z.string().max(255).nullish();
/** cinder accepts booleans as JSON booleans or as strings ("True", "false", …). */
export const Flag = z.union([z.boolean(), z.enum(['true', 'false', 'True', 'False', '1', '0'])]).nullish();

export const isTrue = (flag: boolean | string | null | undefined): boolean =>
  flag === true || (typeof flag === 'string' && ['true', '1'].includes(flag.toLowerCase()));

/** A name or description before cinder's own length check (see namesOf). */
export const LongText = z.string().nullish();

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
