/** Orders strings by UTF-16 code unit, the same on every machine whatever its locale or collation. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
