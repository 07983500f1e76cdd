// The content digest of each developer entry as written in a manifest: the part of its sync digest
// (plan/digest.ts) that depends on the file alone. Kept in the parse cache, so a plan after a
// small change hashes only the entries of the files that changed.
import { TOOL_VERSION } from '../package-info.js';
import { sha256 } from '../hash.js';

/** The tool version is part of it: a portalform that builds entries differently never trusts an older one's digests. */
const FORMAT = `portalform entry digest v1 ${TOOL_VERSION}\0`;

/** SHA-256 (base64url) of each entry of `value.developers`, as JSON in manifest order. */
export function developerContentDigests(value: unknown): string[] {
  const developers = (value as { developers?: unknown } | null)?.developers;
  if (!Array.isArray(developers)) return [];
  return developers.map((developer) => sha256(FORMAT + JSON.stringify(developer), 'base64url'));
}
