import { defineConfig } from 'prisma/config';

// Prisma 7 reads the URL here, not from the schema. process.env (not env()) so that
// `prisma generate` works without a DATABASE_URL.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
