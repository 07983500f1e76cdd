// The original request as a proxy forwards it to a check (docs/access-checks.md): its headers as
// they were, its method and URI from the proxy's headers (or the check's own path after the API's
// name, as Envoy sends it), and the client's address from the X-Forwarded-For the proxy sets.
import type { AccessCredentialType, AccessSettings } from '../model.js';

export type HeaderBag = Record<string, string | string[] | undefined>;

export interface AccessRequest {
  /** The check's own method: the original one when no header gives it. */
  method: string;
  /** As Node hands them over: names in lower case. */
  headers: HeaderBag;
  /** The API named by the check's path; null for `/api/v1/access`. */
  api: string | null;
  /** What followed the API's name in the check's path, query included ('' when nothing). */
  trailingPath: string;
  /** The address the check came from (the proxy's). */
  peerAddress: string;
}

export function header(headers: HeaderBag, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function originalMethod(request: AccessRequest): string {
  return (
    header(request.headers, 'x-original-method') ?? header(request.headers, 'x-forwarded-method') ?? request.method
  );
}

export function originalUri(request: AccessRequest): string {
  const given = header(request.headers, 'x-original-uri') ?? header(request.headers, 'x-forwarded-uri');
  if (given) return given;
  return request.trailingPath.startsWith('/') ? request.trailingPath : `/${request.trailingPath}`;
}

/** The first address of the proxy's X-Forwarded-For, else the proxy's own. */
export function clientAddress(request: AccessRequest): string {
  const forwarded = header(request.headers, 'x-forwarded-for')?.split(',')[0]?.trim();
  return forwarded || request.peerAddress;
}

/** A credential of one type as the request carries it, before anything is looked up. */
export type PresentedCredential =
  | { type: 'key-auth'; key: string }
  | { type: 'basic-auth'; authorization: string }
  | { type: 'hmac-auth'; authorization: string }
  | { type: 'jwt'; token: string };

/** The first of the listed types present in the request, or null when none is. */
export function presentedCredential(request: AccessRequest, access: AccessSettings): PresentedCredential | null {
  for (const type of access.credentialTypes) {
    const found = presented(type, request, access.keyNames);
    if (found) return found;
  }
  return null;
}

function presented(type: AccessCredentialType, request: AccessRequest, keyNames: readonly string[]) {
  const authorization = header(request.headers, 'authorization') ?? '';
  const scheme = /^(\S+)\s+(.*)$/s.exec(authorization.trim());
  const schemeName = scheme?.[1]?.toLowerCase();
  switch (type) {
    case 'key-auth': {
      const key = keyOf(request, keyNames);
      return key === undefined ? null : ({ type, key } as const);
    }
    case 'basic-auth':
      return schemeName === 'basic' ? ({ type, authorization: scheme?.[2] ?? '' } as const) : null;
    case 'hmac-auth':
      return schemeName === 'hmac' ? ({ type, authorization: scheme?.[2] ?? '' } as const) : null;
    case 'jwt':
      return schemeName === 'bearer' ? ({ type, token: (scheme?.[2] ?? '').trim() } as const) : null;
  }
}

/** A key in a header (any case) wins over one in the original URI's query (exact name). */
function keyOf(request: AccessRequest, keyNames: readonly string[]): string | undefined {
  for (const name of keyNames) {
    const value = header(request.headers, name.toLowerCase());
    if (value !== undefined) return value;
  }
  const uri = originalUri(request);
  const query = uri.indexOf('?');
  if (query < 0) return undefined;
  const params = new URLSearchParams(uri.slice(query + 1).split('#')[0]);
  for (const name of keyNames) {
    const value = params.get(name);
    if (value !== null) return value;
  }
  return undefined;
}
