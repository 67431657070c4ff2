// The snapshot naming rule (pool settings' snapshotNamePattern) runs in the worker against every
// snapshot name Cinder lists (≤ 255 characters each). JavaScript's regular expressions backtrack, so
// a pattern like `(a+)+$` or `a?a?…aaa` would take exponential time on a name that almost
// matches and stall the worker (issue 20, finding 10). A pattern is accepted only when its
// worst case is small on such names: short, no back-references, no quantified group (the
// nesting and the alternation loops that blow up), and at most three quantifiers in all
// (overlapping ones cost n³ on a name of n characters at worst: ~3·10⁶ steps for 255).
// Both ways a pattern comes in are bounded by it: the config file at start-up (settings.ts) and
// the API's PATCH /v1/pool/settings.

export const MAX_PATTERN_LENGTH = 200;
const NAMED_GROUPS_RULE = 'must be a regular expression with named groups "os" and "type"';
export const MAX_QUANTIFIERS = 3;

/** Why the pattern is refused, or undefined when it is bounded (and has the named groups). */
export function unboundedPatternReason(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN_LENGTH) return `at most ${MAX_PATTERN_LENGTH} characters`;
  if (!isNamePattern(pattern)) return NAMED_GROUPS_RULE;
  let quantifiers = 0;
  let inClass = false;
  let afterGroup = false; // the previous token closed a group
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    const closesGroup = afterGroup;
    afterGroup = false;
    if (ch === '\\') {
      const next = pattern[++i] ?? '';
      if (!inClass && (/[1-9]/.test(next) || next === 'k')) return 'back-references are not allowed';
      continue;
    }
    if (inClass) {
      inClass = ch !== ']';
      continue;
    }
    if (ch === '[') inClass = true;
    afterGroup = ch === ')';
    // `(?` opens a group and `+?`/`*?` is laziness: neither is a quantifier of its own.
    const quantifier = ch === '*' || ch === '+' || ch === '{' || (ch === '?' && !'(*+?}'.includes(pattern[i - 1]!));
    if (!quantifier) continue;
    if (closesGroup) return 'a group may not be repeated (no quantifier after ")")';
    if (++quantifiers > MAX_QUANTIFIERS) return `at most ${MAX_QUANTIFIERS} quantifiers (*, +, ?, {n,m})`;
  }
  return undefined;
}

/** Whether the pattern compiles and has the named groups "os" and "type". */
export function isNamePattern(pattern: string): boolean {
  try {
    const re = new RegExp(pattern);
    return re.source.includes('(?<os>') && re.source.includes('(?<type>');
  } catch {
    return false;
  }
}
