// A developer's names, identifiers and free text checked for the characters none of them may hold
// (util/refused-characters.ts): each refusal located at the value that holds it.
import { CREDENTIAL_SPECS, type Diagnostic } from '../model.js';
import { refusedCharacterProblem, type TextKind } from '../util/refused-characters.js';
import { shown } from './files.js';
import type { ManifestApi, ManifestCredential } from './schema.js';
import { at, error, pointerOf, type DocumentSite, type WrittenDeveloper } from './sourced-document.js';

/** [pointer below its owner, the text, what kind of text it must be]. */
type TextField = [string, unknown, TextKind];

export function checkDeveloperText(developer: WrittenDeveloper): Diagnostic[] {
  const { value } = developer;
  const fields: TextField[] = [
    ['/fullName', value.fullName, 'name'],
    ['/customId', value.customId, 'identifier'],
  ];
  for (const [key, text] of Object.entries(value.meta ?? {})) {
    fields.push([`/meta/${escapePointer(key)}`, key, 'identifier'], [`/meta/${escapePointer(key)}`, text, 'free']);
  }
  credentialText(value.credentials ?? [], '', fields);
  (value.applications ?? []).forEach((application, j) => {
    fields.push([`/applications/${j}/description`, application.description, 'free']);
    credentialText(application.credentials ?? [], `/applications/${j}`, fields);
  });
  return fields.flatMap(([pointer, text, kind]) => refusal(developer.doc, pointerOf(developer, pointer), text, kind));
}

/** Each credential's identity, and its unique value when that is neither the identity nor a secret. */
function credentialText(credentials: readonly ManifestCredential[], owner: string, fields: TextField[]): void {
  credentials.forEach((credential, i) => {
    const record = credential as unknown as Record<string, unknown>;
    const spec = CREDENTIAL_SPECS[credential.type];
    if (!spec) return;
    fields.push([`${owner}/credentials/${i}/${spec.identityField}`, record[spec.identityField], 'identifier']);
    if (spec.uniqueField && spec.uniqueField !== spec.identityField && !spec.secretFields.includes(spec.uniqueField)) {
      fields.push([`${owner}/credentials/${i}/${spec.uniqueField}`, record[spec.uniqueField], 'identifier']);
    }
  });
}

/** An API's title and description are free text; its acl groups are identifiers. */
export function checkApiText(doc: DocumentSite, pointer: string, api: ManifestApi): Diagnostic[] {
  const fields: TextField[] = [
    ['/title', api.title, 'free'],
    ['/description', api.description, 'free'],
    ...(api.aclGroups ?? []).map((group, k): TextField => [`/aclGroups/${k}`, group, 'identifier']),
  ];
  return fields.flatMap(([rest, text, kind]) => refusal(doc, `${pointer}${rest}`, text, kind));
}

/** A `removed` entry's credential, `type:identity`, holds an identifier. */
export function checkRemovedCredential(doc: DocumentSite, pointer: string, text: unknown): Diagnostic[] {
  return refusal(doc, pointer, text, 'identifier');
}

function refusal(doc: DocumentSite, pointer: string, text: unknown, kind: TextKind): Diagnostic[] {
  if (typeof text !== 'string') return [];
  const problem = refusedCharacterProblem(text, kind);
  const field = pointer.slice(pointer.lastIndexOf('/') + 1);
  return problem ? [error(`${field} ${shown(text)} ${problem}`, at(doc, pointer))] : [];
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
