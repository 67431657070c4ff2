// JSON shapes (key paths and value types, not values) recorded per target, so the suite can
// assert that the simulator answers with exactly the real cloud's shapes, and say where not.

/** `{"volume":{"id":"x","attachments":[]}}` → ["volume.attachments: []", "volume.id: string"]. */
export function shapeOf(value: unknown, path = ''): string[] {
  const at = path || '(root)';
  if (value === null) return [`${at}: null`];
  if (Array.isArray(value)) return value.length ? shapeOf(value[0], `${path}[]`) : [`${at}: []`];
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (!entries.length) return [`${at}: {}`];
    return entries.flatMap(([k, v]) => shapeOf(v, path ? `${path}.${k}` : k)).sort();
  }
  return [`${at}: ${typeof value}`];
}

export class ShapeBook {
  private readonly byTarget = new Map<string, Map<string, string[]>>();

  record(target: string, what: string, value: unknown): void {
    if (!this.byTarget.has(target)) this.byTarget.set(target, new Map());
    this.byTarget.get(target)!.set(what, shapeOf(value));
  }

  /** Names recorded for `target`, in recording order. */
  names(target: string): string[] {
    return [...(this.byTarget.get(target)?.keys() ?? [])];
  }

  /** One line per path whose type differs: "what: only in <a>: path: type". */
  differences(reference: string, other: string): string[] {
    return this.names(reference).flatMap((what) => {
      const ref = this.byTarget.get(reference)?.get(what) ?? [];
      const oth = this.byTarget.get(other)?.get(what);
      if (!oth) return [`${what}: not recorded for ${other}`];
      return [
        ...ref.filter((line) => !oth.includes(line)).map((line) => `${what}: only ${reference}: ${line}`),
        ...oth.filter((line) => !ref.includes(line)).map((line) => `${what}: only ${other}: ${line}`),
      ];
    });
  }
}
