export type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan' | 'magenta';

const CODES: Record<Style, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
  magenta: [35, 39],
};

export function paint(text: string, style: Style, enabled: boolean): string {
  if (!enabled) return text;
  const [open, close] = CODES[style];
  return `\u001b[${open}m${text}\u001b[${close}m`;
}

/** Color only on a terminal, and never when NO_COLOR is set or --no-color is given. */
export function colorEnabled(
  stream: { isTTY?: boolean },
  noColorFlag: boolean,
  env: Record<string, string | undefined> = process.env,
): boolean {
  return Boolean(stream.isTTY) && !noColorFlag && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}
