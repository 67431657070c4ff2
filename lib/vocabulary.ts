// One vocabulary per status: a const array feeds the zod enum, the TypeScript type and the database's
// CHECK constraint; a string read back from a row is checked against it here, never cast.

/** `value` as one of `words`; throws naming `what` (table.column) when it is none of them. */
export function oneOf<const W extends readonly string[]>(words: W, value: string, what: string): W[number] {
  const word = words.find((w) => w === value);
  if (word === undefined) throw new Error(`${what}: ${JSON.stringify(value)} is none of ${words.join(', ')}`);
  return word;
}
