// A developer's names, identifiers and free text checked for the characters none of them may hold
// (util/refused-characters.ts): each refusal located at the value that holds it.
import { CREDENTIAL_SPECS, type Diagnostic } from '../model.js';
import { refusedCharacterProblem, type TextKind } from '../util/refused-characters.js';
import { shown } from './files.js';
import { at, error, pointerOf, type DocumentSite, type WrittenDeveloper } from './sourced-document.js';

export function checkDeveloperText(developer: WrittenDeveloper): Diagnostic[] {
  const { value } = developer;
  const fields: Array<[string, unknown, TextKind]> = [
    ['/fullName', value.fullName, 'name'],
    ['/customId', value.customId, 'identifier'],
  ];
  for (const [key, text] of Object.entries(value.meta ?? {})) {
    fields.push([`/meta/${escapePointer(key)}`, key, 'identifier'], [`/meta/${escapePointer(key)}`, text, 'free']);
  }
  (value.credentials ?? []).forEach((credential, i) => {
    const record = credential as unknown as Record<string, unknown>;
    const spec = CREDENTIAL_SPECS[credential.type];
    if (!spec) return;
    fields.push([`/credentials/${i}/${spec.identityField}`, record[spec.identityField], 'identifier']);
    if (spec.uniqueField && spec.uniqueField !== spec.identityField && !spec.secretFields.includes(spec.uniqueField)) {
      fields.push([`/credentials/${i}/${spec.uniqueField}`, record[spec.uniqueField], 'identifier']);
    }
  });
  return fields.flatMap(([pointer, text, kind]) => refusal(developer.doc, pointerOf(developer, pointer), text, kind));
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
