import { CREDENTIAL_SPECS } from '../model.js';
import type { StateSnapshot } from '../store/types.js';
import { credentialView } from '../plan/diff.js';
import { paint } from './color.js';
import { storedJson, storedText } from './stored-text.js';

/** The current state, developer by developer, secrets redacted. */
export function* renderStateText(state: StateSnapshot, color: boolean): Generator<string> {
  if (state.lineage === null) {
    yield 'No state yet: run portalform apply to create it.';
    return;
  }
  yield paint(`# state lineage ${state.lineage}, serial ${state.serial}`, 'dim', color);
  for (const developer of state.developers) {
    yield '';
    yield paint(`developer ${storedJson(developer.email)} {`, 'bold', color);
    yield `    fullName = ${storedJson(developer.fullName)}`;
    yield `    status   = ${storedJson(developer.status)}`;
    if (developer.customId !== null) yield `    customId = ${storedJson(developer.customId)}`;
    if (Object.keys(developer.meta).length > 0) yield `    meta     = ${storedJson(developer.meta)}`;
    for (const credential of developer.credentials) {
      const view = credentialView(
        credential.type,
        credential.fields,
        CREDENTIAL_SPECS[credential.type].secretFields,
        credential.active,
      );
      const { type, ...rest } = view;
      yield `    credential ${storedJson(`${type}:${credential.identity}`)} {`;
      const width = Math.max(...Object.keys(rest).map((k) => k.length));
      for (const [key, value] of Object.entries(rest))
        yield `        ${key.padEnd(width)} = ${typeof value === 'string' && value.startsWith('(') ? storedText(value) : storedJson(value)}`;
      yield '    }';
    }
    yield '}';
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

/** `state show ADDR`: one developer with its credentials, or one credential, from the listing (secrets already redacted). */
export function* renderStateObjectText(
  object: Record<string, unknown> & { address: string; kind: string },
  color: boolean,
): Generator<string> {
  const { address, kind, credentials, developer, ...fields } = object;
  yield paint(`# ${storedText(address)}`, 'bold', color);
  yield paint(
    `${kind === 'developer' ? 'developer' : 'credential'} ${storedJson(kind === 'developer' ? fields.email : credentialOf(address))} {`,
    'bold',
    color,
  );
  yield* attributeLines(kind === 'credential' ? { developer, ...fields } : fields, '    ');
  for (const credential of (credentials as Record<string, unknown>[] | undefined) ?? []) {
    const { type, ...rest } = credential;
    const identity = rest[CREDENTIAL_SPECS[type as keyof typeof CREDENTIAL_SPECS].identityField];
    yield `    credential ${storedJson(`${String(type)}:${String(identity)}`)} {`;
    yield* attributeLines(rest, '        ');
    yield '    }';
  }
  yield '}';
}

function credentialOf(address: string): string {
  return address.replace(/^.*\.credential\["(.*)"\]$/, '$1');
}

function* attributeLines(fields: Record<string, unknown>, indent: string): Generator<string> {
  const entries = Object.entries(fields).filter(([key, value]) => key !== 'email' && value !== null);
  const width = Math.max(0, ...entries.map(([key]) => key.length));
  for (const [key, value] of entries)
    yield `${indent}${key.padEnd(width)} = ${typeof value === 'string' && value.startsWith('(') ? storedText(value) : storedJson(value)}`;
}
