// What an export leaves out (docs/manifests.md, "Refused characters"): a stored value no manifest
// may hold (it predates the rules, or came from a sign-up before them) is not written, so that the
// export still validates; a comment at its entry and a warning say so, and a plan on the export
// leaves that field as it is stored.
import type { Document, YAMLMap, YAMLSeq } from 'yaml';
import { isValidEmail } from '../manifest/email.js';
import { CREDENTIAL_SPECS } from '../model.js';
import type { StoredCredential, StoredDeveloper } from '../store/types.js';
import { refusedCharacter, type TextKind } from '../util/refused-characters.js';
import { codePointName, quoteForMessage } from '../util/strings.js';

/** A developer as exported: its name may be left out. */
export type ExportedDeveloper = Omit<StoredDeveloper, 'fullName'> & { fullName: string | null };

export interface Exportable {
  developer: ExportedDeveloper;
  /** What was left out of it, one note each. */
  notes: string[];
}

/** Why a developer is left out of an export altogether, when its email is one no manifest may declare. */
export function refusedEmail(email: string): string | undefined {
  if (isValidEmail(email)) return undefined;
  return `developer ${quoteForMessage(email, 'double')} is left out of the export: no manifest may declare its email`;
}

/** The developer less the values the rules refuse, with a note for each. */
export function exportableValues(developer: StoredDeveloper): Exportable {
  const notes: string[] = [];
  const keep = (field: string, text: string, kind: TextKind): boolean => {
    const found = refusedCharacter(text, kind);
    if (found)
      notes.push(`${field} left out: the stored value holds ${codePointName(found.char)}, which no manifest may hold`);
    return !found;
  };
  const fullName = keep('fullName', developer.fullName, 'name') ? developer.fullName : null;
  const customId =
    developer.customId !== null && keep('customId', developer.customId, 'identifier') ? developer.customId : null;
  const meta = Object.fromEntries(
    Object.entries(developer.meta).filter(
      ([key, value]) =>
        keep(`meta ${quoteForMessage(key)}`, key, 'identifier') && keep(`meta ${quoteForMessage(key)}`, value, 'free'),
    ),
  );
  const credentials = developer.credentials.filter((credential) =>
    keep(
      `credential ${quoteForMessage(`${credential.type}:${credential.identity}`)}`,
      credentialText(credential),
      'identifier',
    ),
  );
  return { developer: { ...developer, fullName, customId, meta, credentials }, notes };
}

/** A credential's identity and its other identifying field (oauth2 clientId), as one text to check. */
function credentialText(credential: StoredCredential): string {
  const spec = CREDENTIAL_SPECS[credential.type];
  const unique =
    spec.uniqueField && !spec.secretFields.includes(spec.uniqueField) ? credential.fields[spec.uniqueField] : '';
  return `${credential.identity}${typeof unique === 'string' ? unique : ''}`;
}

/** A comment at each entry that lost a value, and a warning for each such value. */
export function markLeftOut(document: Document, exported: Exportable[], warn: (message: string) => void): void {
  const nodes = document.get('developers') as YAMLSeq<YAMLMap>;
  exported.forEach(({ developer, notes }, i) => {
    if (notes.length === 0) return;
    const node = nodes.items[i]!;
    const comment = notes.map((note) => ` ${note}; a plan leaves it as it is stored.`).join('\n');
    node.commentBefore = node.commentBefore ? `${node.commentBefore}\n${comment}` : comment;
    for (const note of notes) warn(`developer ${quoteForMessage(developer.email, 'double')}: ${note}`);
  });
}
