/**
 * A value built when first asked for, not when its module loads: what a start-up would pay for a
 * run that never needs it (a class of Unicode properties costs milliseconds to build).
 */
export function onFirstUse<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}
