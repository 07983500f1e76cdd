// Decodes a manifest's bytes: UTF-8 only, with the line and column of the first invalid byte or
// NUL, so that a message can point at it.
import type { Position } from './positions.js';

/** The text, or why it is not a manifest's text and where. */
export function decodeManifestBytes(
  bytes: Uint8Array,
): { text: string } | { error: { message: string; position: Position } } {
  const decoded = decodeUtf8(bytes);
  if (decoded.error) return { error: decoded.error };
  const text = decoded.text;
  const nul = text.indexOf('\0');
  if (nul >= 0)
    return {
      error: { message: 'file contains a NUL byte; manifests must be UTF-8 text', position: positionInText(text, nul) },
    };
  return { text };
}

type Decoded =
  | { text: string; error?: undefined }
  | { text?: undefined; error: { message: string; position: Position } };

function decodeUtf8(bytes: Uint8Array): Decoded {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { error: { message: 'file is not valid UTF-8; save it as UTF-8 text', position: locateInvalidUtf8(bytes) } };
  }
}

/** Newline bytes never occur inside a multi-byte UTF-8 sequence, so the first bad line can be decoded alone. */
function locateInvalidUtf8(bytes: Uint8Array): Position {
  for (let start = 0, line = 1; start <= bytes.length; line++) {
    const newline = bytes.indexOf(0x0a, start);
    const end = newline < 0 ? bytes.length : newline;
    const lineBytes = bytes.subarray(start, end);
    if (!decodesAsUtf8(lineBytes, false)) return { line, column: validPrefixText(lineBytes).length + 1 };
    start = end + 1;
  }
  return { line: 1, column: 1 };
}

function decodesAsUtf8(bytes: Uint8Array, stream: boolean): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream });
    return true;
  } catch {
    return false;
  }
}

/** The text of the longest prefix that is valid UTF-8 (ignoring a sequence cut short at its end). */
function validPrefixText(bytes: Uint8Array): string {
  let low = 0;
  let high = bytes.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (decodesAsUtf8(bytes.subarray(0, mid), true)) low = mid;
    else high = mid - 1;
  }
  return new TextDecoder('utf-8').decode(bytes.subarray(0, low), { stream: true });
}

function positionInText(text: string, offset: number): Position {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return { line, column: offset - lineStart + 1 };
}
