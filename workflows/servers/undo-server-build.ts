// undoServerBuild (`<buildId>-undo`): the reaper's retry of a stuck build's undo (servers/stuck-builds).
// Passed by reference: it reads the build's row, then runs the build's own undos (createServer's
// undoEverythingOf: each looks for what the build made by the build's identity, so running them again
// is safe) with the trust the row records. All got through: the trust is deleted, the stuck mark
// cleared and a build whose run was lost is failed. One gave up again: the build stays stuck (shown)
// for the next pass. With its trust refused (expired TRUST_LIFETIME_MS after the request, or deleted)
// nothing can act in the tenant's project: what is the admin's own (a claimed spare, the admin
// project's fallback disk, an address) is still undone, and the operator is told what is left.
import { log } from '@temporalio/workflow';
import type { BuildUpdate, StuckReason } from '../../servers/builds';
import { describeFailure, tenantReport, undoEverythingOf } from './create-server';
import { act, undo } from './proxies';

/** The stuck marks this clears once everything is undone (a delete's are the delete's to clear). */
const UNDO_REASONS: StuckReason[] = ['undo_failed', 'run_lost'];

export interface UndoServerBuildInput {
  buildId: string;
}

/** The failure reason of a build whose run ended without recording its end (a stuck `building` row). */
export const RUN_LOST = 'run_lost: the build stopped before it ended; what it made was undone';

export async function undoServerBuild({ buildId }: UndoServerBuildInput): Promise<Record<string, string>> {
  const build = await act.readBuildToUndo({ buildId });
  if (!build) return {}; // the row is gone: nothing to show stuck
  const trustId = build.trustId ?? '';
  await undo.fenceBuild({ buildId }); // a build whose run was lost may still be granted nothing more
  const saga = undoEverythingOf({ ...build, trustId }, buildId);
  const report = await saga.compensate();
  const compensation = tenantReport(report);
  if (saga.failures.length) {
    const refused = saga.failures.some((f) => ['UnauthorizedError', 'NotFoundError'].includes(rootType(f)));
    log.warn('server build still stuck: an undo gave up again, the next reaper pass retries it', {
      buildId,
      report,
      detail: describeFailure(saga.failures[0]).detail,
      ...(refused || !build.trustId
        ? { operator: "the build's trust is refused or gone: its tenant-side leftovers need the operator" }
        : {}),
    });
    await act.updateBuild({ buildId, compensation });
    return report;
  }
  const update: BuildUpdate = {
    buildId,
    compensation,
    stuck: { cleared: UNDO_REASONS },
    ...(build.status === 'building' ? { status: 'failed', failureReason: RUN_LOST, finished: true } : {}),
  };
  // The trust goes before the mark is cleared: a build no longer stuck has nothing acting for it.
  await act.finishBuild({ trustId, update });
  return report;
}

function rootType(err: unknown): string {
  let root = err as { cause?: unknown; type?: string };
  while (root.cause) root = root.cause as typeof root;
  return root.type ?? '';
}
