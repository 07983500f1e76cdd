// What an access check answers (docs/access-checks.md): a status and headers, never a body. The
// seven consumer headers go on every answer, empty when they do not apply, so a proxy that copies
// them upstream never passes on a client's own copy.

export type AccessStatus = 200 | 401 | 403 | 429 | 503;

/** The seven headers a proxy copies upstream, in the order the docs list them. */
export const CONSUMER_HEADERS = [
  'x-consumer-id',
  'x-consumer-username',
  'x-consumer-custom-id',
  'x-credential-identifier',
  'x-consumer-groups',
  'x-consumer-apis',
  'x-application',
] as const;

export type ConsumerHeader = (typeof CONSUMER_HEADERS)[number];

export interface AccessAnswer {
  status: AccessStatus;
  /** Every consumer header (empty when it does not apply), and WWW-Authenticate or Retry-After where due. */
  headers: Record<string, string | string[]>;
  /** Why, for the log: never a secret, never what the client sent. Empty for a 200. */
  reason: string;
  /** The credential a denial concerns, when one was found: its stable id, for the log. */
  credentialId?: string;
}

export interface Consumer {
  developerId: string;
  email: string;
  customId: string | null;
  credentialIdentifier: string;
  groups: readonly string[];
  apis: readonly string[];
  application: string | null;
}

function emptyHeaders(): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const name of CONSUMER_HEADERS) headers[name] = '';
  return headers;
}

export function allowed(consumer: Consumer): AccessAnswer {
  const headers = emptyHeaders();
  headers['x-consumer-id'] = headerValue(consumer.developerId);
  headers['x-consumer-username'] = headerValue(consumer.email);
  headers['x-consumer-custom-id'] = headerValue(consumer.customId ?? '');
  headers['x-credential-identifier'] = headerValue(consumer.credentialIdentifier);
  headers['x-consumer-groups'] = headerValue(consumer.groups.join(','));
  headers['x-consumer-apis'] = headerValue(consumer.apis.join(','));
  headers['x-application'] = headerValue(consumer.application ?? '');
  return { status: 200, headers, reason: '' };
}

/**
 * A value a header line can carry: text beyond ASCII (a custom id, an address, a name of one's
 * own) as its UTF-8 bytes, which a proxy copies upstream as they are; control characters, which
 * no header line may hold, left out.
 */
export function headerValue(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text)) return text;
  return Buffer.from(text.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, ''), 'utf8').toString('latin1');
}

/** One answer for every missing, unknown or wrong credential: nothing tells them apart. */
export function unauthorized(reason: string, readsBasic: boolean, credentialId?: string): AccessAnswer {
  const headers = emptyHeaders();
  headers['www-authenticate'] = readsBasic
    ? ['Key realm="portalform"', 'Basic realm="portalform"']
    : 'Key realm="portalform"';
  return { status: 401, headers, reason, ...(credentialId ? { credentialId } : {}) };
}

export function forbidden(reason: string, credentialId?: string): AccessAnswer {
  return { status: 403, headers: emptyHeaders(), reason, ...(credentialId ? { credentialId } : {}) };
}

export function throttled(retryAfterSeconds: number): AccessAnswer {
  const headers = emptyHeaders();
  headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfterSeconds)));
  return { status: 429, headers, reason: 'too many failed checks for this username and address' };
}

export function unavailable(reason: string): AccessAnswer {
  const headers = emptyHeaders();
  headers['retry-after'] = '5';
  return { status: 503, headers, reason };
}
