// A worker as its own process (`node --import tsx worker/main.ts`), for running more workers
// beside `npm start` or on other machines. Needs DATABASE_URL, TEMPORAL_ADDRESS and OS_AUTH_URL
// with the admin credentials: it joins an existing deployment, it starts nothing.
import { Client, Connection } from '@temporalio/client';
import { ConfigError, loadSettings } from '../config/settings';
import { checkCloud, connectCloud } from '../infra/stack';
import { createPrisma } from '../infra/database';
import { createActivities } from '../activities';
import { releaseDrillDaemons } from '../activities/drill/preflight';
import { createWorker } from './worker';

async function main(): Promise<void> {
  const settings = loadSettings();
  for (const key of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'OS_AUTH_URL'] as const) {
    if (!settings[key]) throw new ConfigError(`missing setting ${key}: a standalone worker joins an existing deployment`);
  }
  const cloud = connectCloud({
    authUrl: settings.OS_AUTH_URL!, userDomainName: settings.OS_USER_DOMAIN_NAME, projectDomainName: settings.OS_PROJECT_DOMAIN_NAME,
    admin: { username: settings.OS_ADMIN_USERNAME!, password: settings.OS_ADMIN_PASSWORD!, project: settings.OS_ADMIN_PROJECT! },
    timeoutMs: settings.OS_REQUEST_TIMEOUT_MS,
  });
  await checkCloud(cloud);
  const prisma = createPrisma(settings.DATABASE_URL!);
  const connection = await Connection.connect({ address: settings.TEMPORAL_ADDRESS! });
  const client = new Client({ connection, namespace: settings.TEMPORAL_NAMESPACE });
  const { worker } = await createWorker({
    address: settings.TEMPORAL_ADDRESS!, namespace: settings.TEMPORAL_NAMESPACE, taskQueue: settings.TEMPORAL_TASK_QUEUE,
    activities: createActivities({ cloud, prisma, temporal: client }),
  });
  console.log(`[worker] polling task queue "${settings.TEMPORAL_TASK_QUEUE}" (pid ${process.pid})`);
  await worker.run(); // returns after SIGINT/SIGTERM (the SDK's default shutdown signals)
  await releaseDrillDaemons(); // libvirt's daemons, if drills on this worker started them
  await prisma.$disconnect();
  await connection.close();
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? `blockflow worker: ${err.message}` : `blockflow worker: ${(err as Error).message}`);
  process.exit(1);
});
