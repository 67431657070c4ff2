// Parses the drill guest's serial console (see drills/guest/init.sh for the lines it prints).
// Kernel messages may be interleaved, so only whole lines with our prefixes count.

export interface WriterProgress {
  /** The guest reached its writer loop ("drill-start N"). */
  started: boolean;
  /** Records acknowledged by the guest's last completed chunk write. */
  records: number;
  /** "drill-hold N": the writer waits before its last chunk for the host's release. */
  held: boolean;
  /** "drill-done N": the writer finished and synced. */
  done: boolean;
  /** "drill-error …": the writer gave up; the text says why. */
  error?: string;
}

export function parseWriterProgress(serialText: string): WriterProgress {
  const progress: WriterProgress = { started: false, records: 0, held: false, done: false };
  for (const rawLine of serialText.split('\n')) {
    const line = rawLine.replace(/\r$/, '');
    const [word, value] = line.split(' ', 2);
    if (word === 'drill-start') progress.started = true;
    else if (word === 'drill-progress') progress.records = Math.max(progress.records, Number(value) || 0);
    else if (word === 'drill-hold') progress.held = true;
    else if (word === 'drill-done') progress.done = true;
    else if (word === 'drill-error') progress.error = line.slice(word.length + 1);
  }
  return progress;
}
