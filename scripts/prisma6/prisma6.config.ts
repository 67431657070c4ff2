// Config for Prisma 6.19's CLI (npm alias "prisma6"), used only to author migrations with its
// WASM schema engine ("js" engine + driver adapter): Prisma 7's CLI needs a native engine that
// cannot be downloaded here. The adapter is never connected to for a datamodel-to-datamodel diff.
import { PrismaPg } from '@prisma/adapter-pg';

export default {
  experimental: { adapter: true },
  engine: 'js',
  schema: process.env.PRISMA6_SCHEMA,
  adapter: async () => new PrismaPg({ connectionString: process.env.DATABASE_URL }),
};
