// Drill tests need real system tools; a missing one fails loudly (never a silent skip).
import { runCommand } from '../../drills/run-command';

export async function requireCommands(commands: string[]): Promise<void> {
  const missing: string[] = [];
  for (const command of commands) {
    await runCommand('sh', ['-c', `command -v ${command}`]).catch(() => missing.push(command));
  }
  if (missing.length) {
    throw new Error(
      `drill tests need ${missing.join(', ')}: run scripts/ensure-deps.sh (scripts/apt-packages.d/drills.txt)`,
    );
  }
}
