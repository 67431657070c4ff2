// Parallel bring-up branches that never outlive a failure: every branch finishes (or fails)
// before the first failure is thrown, so none starts a process after stop.

/** Like Promise.all, but waits for every branch to finish before failing. */
export async function settleAll<T extends readonly unknown[]>(work: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(work);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
