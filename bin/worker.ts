// A worker as its own process (`node --import tsx bin/worker.ts`), for running more workers
// beside `npm start` or on other machines. Needs DATABASE_URL, TEMPORAL_ADDRESS and OS_AUTH_URL
// with the admin credentials: it joins an existing deployment, it starts nothing.
import { ConfigError, loadSettings } from '../config/settings';
import { checkCloud, cloudConfigFromSettings, connectCloud } from '../infra/stack';
import { compose, runWorker } from './compose';

async function main(): Promise<void> {
  const settings = loadSettings();
  for (const key of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'OS_AUTH_URL'] as const) {
    if (!settings[key])
      throw new ConfigError(`missing setting ${key}: a standalone worker joins an existing deployment`);
  }
  const cloud = connectCloud(cloudConfigFromSettings(settings));
  await checkCloud(cloud);
  const blockflow = await compose({
    cloud,
    databaseUrl: settings.DATABASE_URL!,
    temporalAddress: settings.TEMPORAL_ADDRESS!,
    namespace: settings.TEMPORAL_NAMESPACE,
    taskQueue: settings.TEMPORAL_TASK_QUEUE,
    chunkStoreDir: settings.chunkStoreDir,
  });
  const worker = await runWorker(blockflow, { handleSignals: true });
  console.log(`[worker] polling task queue "${settings.TEMPORAL_TASK_QUEUE}" (pid ${process.pid})`);
  await worker.done; // returns after SIGINT/SIGTERM (the SDK's default shutdown signals)
  await worker.stop();
  await blockflow.close();
}

main().catch((err) => {
  const message = err instanceof ConfigError ? err.message : (err as Error).message;
  console.error(`blockflow worker: ${message}`);
  process.exit(1);
});
