import { describe, expect, it } from 'vitest';
import {
  normalizeAddress,
  ownerEmail,
  parseAddress,
  parseAnyAddress,
  parseGivenAddress,
  parseGivenAnyAddress,
} from '../src/address.js';

describe('addresses of APIs, applications, their credentials and registrations', () => {
  it('parses each new form as plans spell it', () => {
    expect(parseAnyAddress('api["payments"]')).toEqual({ kind: 'api', name: 'payments' });
    expect(parseAddress('developer["a@b.io"].application["shop"]')).toEqual({
      kind: 'application',
      email: 'a@b.io',
      application: 'shop',
    });
    expect(parseAddress('developer["a@b.io"].application["shop"].credential["key-auth:ci"]')).toEqual({
      kind: 'credential',
      email: 'a@b.io',
      application: 'shop',
      type: 'key-auth',
      identity: 'ci',
    });
    expect(parseAddress('developer["a@b.io"].application["shop"].registration["payments"]')).toEqual({
      kind: 'registration',
      email: 'a@b.io',
      application: 'shop',
      api: 'payments',
    });
  });

  it('keeps the developer and own-credential forms as they were', () => {
    expect(parseAddress('developer["a@b.io"]')).toEqual({ kind: 'developer', email: 'a@b.io' });
    expect(parseAddress('developer["a@b.io"].credential["jwt:k:1"]')).toEqual({
      kind: 'credential',
      email: 'a@b.io',
      type: 'jwt',
      identity: 'k:1',
    });
  });

  it('normalizes the email of a given address and keeps the rest', () => {
    expect(normalizeAddress(' developer["Ada@Example.COM"].application["shop"].registration["payments"] ')).toBe(
      'developer["ada@example.com"].application["shop"].registration["payments"]',
    );
    expect(normalizeAddress('developer["Ada@Example.com"].application["shop"].credential["oauth2:web"]')).toBe(
      'developer["ada@example.com"].application["shop"].credential["oauth2:web"]',
    );
    expect(normalizeAddress('api["payments"]')).toBe('api["payments"]');
  });

  it('names the owner of an address, none for an API', () => {
    expect(ownerEmail('developer["a@b.io"].application["shop"].registration["payments"]')).toBe('a@b.io');
    expect(ownerEmail('api["payments"]')).toBeNull();
  });

  it('refuses an API where only a developer-owned address fits, saying what was expected', () => {
    expect(() => parseAddress('api["payments"]')).toThrow(/names an API.*expected developer\["EMAIL"\]/);
    expect(() => parseGivenAddress('api["payments"]')).toThrow(/names an API/);
  });

  it('refuses malformed addresses listing every form', () => {
    for (const text of [
      'nonsense',
      'developer["a@b.io"].registration["payments"]',
      'api["payments"].registration["x"]',
      'developer["a@b.io"].application["shop"].application["x"]',
      'developer["a@b.io"]application["shop"]',
      'application["shop"]',
    ]) {
      expect(() => parseAnyAddress(text), text).toThrow(
        /invalid address .*expected api\["NAME"\] or developer\["EMAIL"\].*\.registration\["API"\]/,
      );
    }
  });

  it('refuses an acl credential of an application, saying an application holds none', () => {
    expect(() => parseAnyAddress('developer["a@b.io"].application["shop"].credential["acl:gold"]')).toThrow(
      /expected one of key-auth, basic-auth, oauth2, hmac-auth, jwt followed by ":IDENTITY" \(an application holds no acl credentials\)/,
    );
    expect(parseAnyAddress('developer["a@b.io"].credential["acl:gold"]')).toMatchObject({ type: 'acl' });
  });

  it('refuses a given name no application or API can have', () => {
    expect(() => parseGivenAnyAddress('api["Pay ments"]')).toThrow(
      /its API name "Pay ments" is not one; expected 1 to 63 of a-z, 0-9 and '-'/,
    );
    expect(() => parseGivenAnyAddress('developer["a@b.io"].application["shop\u202e"]')).toThrow(
      /its application name holds U\+202E/,
    );
    expect(() => normalizeAddress(`developer["a@b.io"].application["${'a'.repeat(64)}"]`)).toThrow(/1 to 63/);
  });
});

describe('the developer-or-own-credential reading of a given address', () => {
  it("accepts a developer and its own credential, and refuses an application's objects naming what it takes", () => {
    expect(parseGivenAddress('developer["Ada@b.io"]')).toEqual({ kind: 'developer', email: 'ada@b.io' });
    expect(() => parseGivenAddress('developer["a@b.io"].application["shop"].credential["key-auth:ci"]')).toThrow(
      /names an application's credential; expected developer\["EMAIL"\] or developer\["EMAIL"\]\.credential\["TYPE:IDENTITY"\] here/,
    );
    expect(() => parseGivenAddress('developer["a@b.io"].application["shop"]')).toThrow(/names an application;/);
  });
});
