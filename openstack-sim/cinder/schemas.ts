import { z } from 'zod';

/** Field shapes shared by cinder request bodies (cinder's parameter_types). */
export const Metadata = z.record(z.string().max(255), z.string().max(255));
export const Text = z.string().max(255).nullish();
/** cinder accepts booleans as JSON booleans or as strings ("True", "false", …). */
export const Flag = z.union([z.boolean(), z.enum(['true', 'false', 'True', 'False', '1', '0'])]).nullish();

export const isTrue = (flag: boolean | string | null | undefined): boolean =>
  flag === true || (typeof flag === 'string' && ['true', '1'].includes(flag.toLowerCase()));
