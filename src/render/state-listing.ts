import { CREDENTIAL_SPECS } from '../model.js';
import type { StateSnapshot, StoredCredential } from '../store/types.js';
import { credentialView } from '../plan/diff.js';
import { paint } from './color.js';
import { storedJson, storedText } from './stored-text.js';
import { objectName } from './address-parts.js';

/** The current state, developer by developer, secrets redacted. */
export function* renderStateText(state: StateSnapshot, color: boolean): Generator<string> {
  if (state.lineage === null) {
    yield 'No state yet: run portalform apply to create it.';
    return;
  }
  yield paint(`# state lineage ${state.lineage}, serial ${state.serial}`, 'dim', color);
  for (const api of state.apis ?? []) {
    const { name, createdAt: _createdAt, ...fields } = api;
    yield '';
    yield paint(`api ${storedJson(name)} {`, 'bold', color);
    yield* attributeLines(fields, '    ');
    yield '}';
  }
  for (const developer of state.developers) {
    yield '';
    yield paint(`developer ${storedJson(developer.email)} {`, 'bold', color);
    yield `    fullName = ${storedJson(developer.fullName)}`;
    yield `    status   = ${storedJson(developer.status)}`;
    if (developer.customId !== null) yield `    customId = ${storedJson(developer.customId)}`;
    if (Object.keys(developer.meta).length > 0) yield `    meta     = ${storedJson(developer.meta)}`;
    yield* credentialLines(developer.credentials, '    ');
    for (const application of developer.applications ?? []) {
      yield `    application ${storedJson(application.name)} {`;
      yield* attributeLines({ description: application.description, origin: application.origin }, '        ');
      yield* credentialLines(application.credentials, '        ');
      for (const registration of application.registrations)
        yield `        registration ${storedJson(registration.api)} = ${storedJson(registration.status)}`;
      yield '    }';
    }
    yield '}';
  }
}

function* credentialLines(credentials: readonly StoredCredential[], indent: string): Generator<string> {
  for (const credential of credentials) {
    const view = credentialView(
      credential.type,
      credential.fields,
      CREDENTIAL_SPECS[credential.type].secretFields,
      credential.active,
    );
    const { type, ...rest } = view;
    yield `${indent}credential ${storedJson(`${type}:${credential.identity}`)} {`;
    yield* attributeLines(rest, `${indent}    `);
    yield `${indent}}`;
  }
}

export function* renderHistoryText(
  entries: {
    seq: number;
    serial: number;
    at: string;
    actor: string;
    kind: string;
    hash: string;
    summary?: unknown;
    [k: string]: unknown;
  }[],
): Generator<string> {
  if (entries.length === 0) {
    yield 'No history yet.';
    return;
  }
  const rows = entries.map((e) => {
    const summary = e.summary as Record<string, number> | undefined;
    const changes = summary
      ? `+${summary.create} ~${summary.update} -${summary.delete} ⇄${summary.transition} →${summary.move}`
      : [e.action, e.address].filter((part) => part !== undefined).join(' ');
    return [
      String(e.serial),
      e.kind,
      e.at,
      storedText(e.actor.slice(0, ACTOR_WIDTH)),
      storedText(changes),
      e.hash.slice(0, 12),
    ];
  });
  yield* alignedColumns([['SERIAL', 'KIND', 'AT', 'ACTOR', 'CHANGES', 'HASH'], ...rows]);
}

const ACTOR_WIDTH = 21;

/** Each column as wide as its widest cell: a `self-service` kind or an invite's long address keeps the rest in line. */
function* alignedColumns(rows: string[][]): Generator<string> {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows)
    yield row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
}

/**
 * `state show ADDR`: one developer with its credentials and applications, one application with its
 * credentials and registrations, or one API, credential or registration, from the listing (secrets
 * already redacted).
 */
export function* renderStateObjectText(object: { address: string; kind: string }, color: boolean): Generator<string> {
  const { address, kind, credentials, applications, registrations, ...fields } = object as Record<string, unknown> & {
    address: string;
    kind: string;
  };
  yield paint(`# ${storedText(address)}`, 'bold', color);
  yield paint(`${kind} ${storedJson(objectName(address))} {`, 'bold', color);
  yield* attributeLines(fields, '    ');
  yield* nestedLines(credentials, applications, registrations, '    ');
  yield '}';
}

function* nestedLines(
  credentials: unknown,
  applications: unknown,
  registrations: unknown,
  indent: string,
): Generator<string> {
  for (const credential of (credentials as Record<string, unknown>[] | undefined) ?? []) {
    const { type, ...rest } = credential;
    const identity = rest[CREDENTIAL_SPECS[type as keyof typeof CREDENTIAL_SPECS].identityField];
    yield `${indent}credential ${storedJson(`${String(type)}:${String(identity)}`)} {`;
    yield* attributeLines(rest, `${indent}    `);
    yield `${indent}}`;
  }
  for (const application of (applications as Record<string, unknown>[] | undefined) ?? []) {
    const { name, credentials: owned, registrations: made, ...rest } = application;
    yield `${indent}application ${storedJson(name)} {`;
    yield* attributeLines(rest, `${indent}    `);
    yield* nestedLines(owned, undefined, made, `${indent}    `);
    yield `${indent}}`;
  }
  for (const registration of (registrations as Record<string, unknown>[] | undefined) ?? []) {
    const { api, ...rest } = registration;
    yield `${indent}registration ${storedJson(api)} {`;
    yield* attributeLines(rest, `${indent}    `);
    yield `${indent}}`;
  }
}

function* attributeLines(fields: Record<string, unknown>, indent: string): Generator<string> {
  const entries = Object.entries(fields).filter(([key, value]) => key !== 'email' && value !== null);
  const width = Math.max(0, ...entries.map(([key]) => key.length));
  for (const [key, value] of entries)
    yield `${indent}${key.padEnd(width)} = ${typeof value === 'string' && value.startsWith('(') ? storedText(value) : storedJson(value)}`;
}
