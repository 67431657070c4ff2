/** `--name value` from the command line, or undefined. */
export function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

/** `--name value` as a number, or `fallback` when not given. */
export function argNumber(name: string, fallback: number): number {
  return Number(argValue(name) ?? fallback);
}
