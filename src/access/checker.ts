// The decision of one access check (docs/access-checks.md): an unknown API is a 403 before any
// credential is read; then the first credential type of `portal.access.credentialTypes` present in
// the request decides (a wrong one is a 401 even if a later type would match); then who may call
// what (docs/applications.md). Reads go through the cache, which the change feed keeps current;
// nothing here ever writes the state.
import { hash, randomBytes } from 'node:crypto';
import type { Vault } from '../secrets/vault.js';
import { accessSettingsOf } from '../portal-settings.js';
import { allowed, forbidden, throttled, unauthorized, unavailable, type AccessAnswer } from './answer.js';
import { checkHmac } from './hmac.js';
import { checkJwt } from './jwt.js';
import { checkBasic, checkKey } from './key-basic.js';
import { clientAddress, presentedCredential, type AccessRequest, type PresentedCredential } from './request.js';
import type { AccessCache, AccessCredential, AccessReads, KeptAnswers } from './state-cache.js';
import { StateUnreadable } from './state-reads.js';
import type { FailureThrottle } from './throttle.js';
import type { Verified, VerifyContext } from './verify.js';

export interface CheckerParts {
  cache: AccessCache;
  vault: Vault;
  throttle: FailureThrottle;
  now: () => number;
}

/** Salts the names of kept key-auth answers: no key is kept in memory as it was presented. */
const KEPT_KEY_SALT = randomBytes(32).toString('base64');

export class AccessChecker {
  constructor(private readonly parts: CheckerParts) {}

  /**
   * Drops what the checks keep, for a writer of this very process that just committed: on
   * PostgreSQL its own notification would otherwise be awaited like anyone's.
   */
  forget(): void {
    this.parts.cache.clear();
  }

  /**
   * The answer to one check. A key-auth key that already earned its answer since the last change
   * is answered at once, without a read or a promise; anything else is decided from the state.
   */
  check(request: AccessRequest): AccessAnswer | Promise<AccessAnswer> {
    const reads = this.parts.cache.begin();
    const kept = this.parts.cache.keptAnswers();
    const name = keptAnswerName(request, kept);
    return (name && kept?.answers.get(name)) || this.decideOrUnavailable(request, reads, kept, name);
  }

  private async decideOrUnavailable(
    request: AccessRequest,
    reads: AccessReads,
    kept: KeptAnswers | null,
    name: string | undefined,
  ): Promise<AccessAnswer> {
    try {
      const answer = await this.decide(request, reads);
      // Only an allowed answer is kept: a refusal is logged with its reason each time. The settings
      // this check read are known by now, unless a change came in between (then nothing is kept).
      const keptName = name ?? keptAnswerName(request, kept);
      if (kept && keptName && answer.status === 200) kept.answers.set(keptName, answer);
      return answer;
    } catch (error) {
      if (error instanceof StateUnreadable) return unavailable(error.message);
      throw error;
    }
  }

  private async decide(request: AccessRequest, reads: AccessReads): Promise<AccessAnswer> {
    const settings = await reads.settings();
    const apis = await reads.apis();
    if (request.api !== null && !apis.has(request.api))
      return forbidden(
        `unknown API ${JSON.stringify(request.api)}: the proxy's configuration names an API the portal does not publish`,
      );
    const access = accessSettingsOf(settings);
    const readsBasic = access.credentialTypes.includes('basic-auth');
    const presented = presentedCredential(request, access);
    if (!presented) return unauthorized('no credential', readsBasic);
    const verified = await this.verify(presented, {
      request,
      reads,
      vault: this.parts.vault,
      now: this.parts.now,
      throttle: this.parts.throttle,
      client: clientAddress(request),
    });
    if (verified.kind === 'throttled') return throttled(verified.retryAfter);
    if (verified.kind === 'refused')
      return unauthorized(`${presented.type}: ${verified.reason}`, readsBasic, verified.credentialId);
    const { credential, identifier } = verified;
    // The answer a credential earns is the same until the cache drops the credential with its memo.
    const known = credential.memo.allowed?.get(request.api);
    if (known) return known;
    const answer = authorize(credential, identifier, request.api, apis);
    if (answer.status === 200) (credential.memo.allowed ??= new Map()).set(request.api, answer);
    return answer;
  }

  private verify(presented: PresentedCredential, context: VerifyContext): Promise<Verified> {
    switch (presented.type) {
      case 'key-auth':
        return checkKey(presented.key, context);
      case 'basic-auth':
        return checkBasic(presented.authorization, context);
      case 'hmac-auth':
        return checkHmac(presented.authorization, context);
      case 'jwt':
        return checkJwt(presented.token, context);
    }
  }
}

/**
 * The name a key-auth check's answer is kept under: the API and a salted digest of the key, when
 * key-auth is the credential the request presents (the settings' order decides); else undefined,
 * as it is while the settings are not known yet or nothing may be kept.
 */
function keptAnswerName(request: AccessRequest, kept: KeptAnswers | null): string | undefined {
  if (!kept?.settings) return undefined;
  const presented = presentedCredential(request, accessSettingsOf(kept.settings));
  if (presented?.type !== 'key-auth' || presented.key === '') return undefined;
  const api = request.api === null ? '' : `/${request.api}`;
  return `${api} ${hash('sha256', KEPT_KEY_SALT + presented.key, 'base64')}`;
}

/** Who may call what (docs/applications.md): an application by its approved registrations, a developer's own credential by its acl groups. */
function authorize(
  credential: AccessCredential,
  identifier: string,
  api: string | null,
  apis: ReadonlyMap<string, readonly string[]>,
): AccessAnswer {
  const { developer, application } = credential;
  if (developer.status !== 'approved') return forbidden(`developer is ${developer.status}`, credential.id);
  if (!credential.active) return forbidden('credential inactive', credential.id);
  const callable = application
    ? application.approvedApis.filter((name) => apis.has(name))
    : [...apis].filter(([, groups]) => groups.some((group) => developer.groups.includes(group))).map(([name]) => name);
  if (api !== null && !callable.includes(api))
    return forbidden(
      application
        ? `application ${application.name} holds no approved registration to ${api}`
        : `no acl group of the developer may call ${api}`,
      credential.id,
    );
  return allowed({
    developerId: developer.id,
    email: developer.email,
    customId: developer.customId,
    credentialIdentifier: identifier,
    groups: developer.groups,
    apis: callable,
    application: application?.name ?? null,
  });
}
