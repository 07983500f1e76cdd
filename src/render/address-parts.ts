// The parts of any address a plan or the state spells (docs/applications.md): who owns the object,
// for grouping and naming it in every rendering. Never throws: an address it does not know (a kind
// added later) has no owner and is named by itself.
const QUOTED = '("(?:[^"\\\\]|\\\\.)*")';
const PATTERN = new RegExp(
  `^(?:api\\[${QUOTED}\\]|developer\\[${QUOTED}\\](?:\\.application\\[${QUOTED}\\])?` +
    `(?:\\.credential\\[${QUOTED}\\]|\\.registration\\[${QUOTED}\\])?)$`,
);

export interface AddressParts {
  kind: 'api' | 'developer' | 'application' | 'credential' | 'registration' | 'other';
  api?: string;
  email?: string;
  application?: string;
  /** `TYPE:IDENTITY`. */
  credential?: string;
  /** The API a registration names. */
  registration?: string;
}

export function addressParts(address: string): AddressParts {
  const match = PATTERN.exec(address);
  if (!match) return { kind: 'other' };
  const [api, email, application, credential, registration] = match.slice(1).map(unquote);
  if (api !== undefined) return { kind: 'api', api };
  const kind =
    credential !== undefined
      ? 'credential'
      : registration !== undefined
        ? 'registration'
        : application !== undefined
          ? 'application'
          : 'developer';
  return { kind, email, application, credential, registration };
}

/** The name a rendering gives the object beside its kind: `billing` for an application, `key-auth:ci` for a credential. */
export function objectName(address: string): string {
  const parts = addressParts(address);
  switch (parts.kind) {
    case 'api':
      return parts.api!;
    case 'developer':
      return parts.email!;
    case 'application':
      return parts.application!;
    case 'credential':
      return parts.credential!;
    case 'registration':
      return parts.registration!;
    default:
      return address;
  }
}

function unquote(text: string | undefined): string | undefined {
  return text === undefined ? undefined : (JSON.parse(text) as string);
}
