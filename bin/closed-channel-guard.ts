// @temporalio/client retries a failed gRPC call on a timer, and Connection.close() does not clear
// those timers: one that fires after the close throws "Channel has been shut down" from the timer,
// off every awaited path, and Node ends the process with exit 1 (seen when `npm start` was stopped
// under load: everything had stopped in order, then the exit code was 1). Once the process has
// closed its connections on purpose that error is expected; any other uncaught error still ends it
// as Node would (its stack on stderr, exit 1).

const CLOSED_CHANNEL = 'Channel has been shut down';

let installed = false;

/** From now on (call it as the process starts closing its clients), a closed channel's retry is ignored. */
export function ignoreRetriesOnClosedChannels(log: (line: string) => void): void {
  if (installed) return;
  installed = true;
  process.on('uncaughtException', (err) => {
    if (err instanceof Error && err.message === CLOSED_CHANNEL) {
      log('a Temporal call retried after its connection was closed: ignored (the process is stopping)');
      return;
    }
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
