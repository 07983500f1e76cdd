/** "1 developer", "2 developers"; `many` for nouns that do not just take an "s" ("entry", "entries"). */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
