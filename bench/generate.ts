// Generates a synthetic portal for the benchmark: deterministic (seeded), every status, all six
// credential types, ~2.9 credentials per developer, secrets as references or omitted, a few APIs,
// and one application per approved developer holding a quarter of the portal's credentials and
// one registration (docs/applications.md).
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface PortalShape {
  developers: number;
  /** Share of approved/revoked developers holding a basic-auth credential (scrypt-hashed at apply). */
  basicAuthShare: number;
}

/** Environment the generated manifests need: shared secret variables and the state key. */
export const SECRET_ENV_COUNT = 16;
export function benchEnv(): Record<string, string> {
  const env: Record<string, string> = { PORTALFORM_STATE_KEY: 'bench-state-key-0123456789-abcdefghijklmnop' };
  for (let i = 0; i < SECRET_ENV_COUNT; i++)
    env[`PORTALFORM_SECRET_BENCH_${i}`] = `bench-secret-value-${i}-${'x'.repeat(24)}`;
  return env;
}

const STATUSES = [
  'approved',
  'approved',
  'approved',
  'approved',
  'approved',
  'approved',
  'approved',
  'approved',
  'approved',
  'approved',
  'approved',
  'approved',
  'approved',
  'approved',
  'approved',
  'approved',
  'pending',
  'pending',
  'revoked',
  'rejected',
] as const;
/** The acl groups the developers are given, one or two each. */
export const GROUPS = ['partners', 'internal', 'beta', 'gold', 'silver', 'analytics', 'payments', 'search'];
const COMPANIES = [
  'Analytical Engines',
  'Difference Works',
  'Babbage & Co',
  'Jacquard Looms',
  'Hollerith Tabulating',
  'Zuse KG',
];

/** A small, fast, seeded PRNG (mulberry32): the same portal every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Developer {
  email: string;
  fullName: string;
  status: string;
  customId?: string;
  meta?: Record<string, string>;
  credentials: Array<Record<string, unknown>>;
  applications?: Application[];
}

export interface Application {
  name: string;
  description?: string;
  credentials: Array<Record<string, unknown>>;
  registrations: Array<{ api: string; status: string }>;
}

/** The APIs the generated portal declares (in its first manifest file). */
export const APIS = ['payments', 'search', 'analytics', 'orders'] as const;
const REGISTRATION_STATUSES = [
  'approved',
  'approved',
  'approved',
  'approved',
  'approved',
  'approved',
  'pending',
  'rejected',
];

export interface Generated {
  developers: Developer[];
  /** Secret files to write beside the manifests (relative path → content). */
  secretFiles: Map<string, string>;
  pems: string[];
}

export const PEM_COUNT = 4;

export function generatePortal(shape: PortalShape): Generated {
  const pems = Array.from({ length: PEM_COUNT }, () =>
    generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  );
  const secretFiles = new Map<string, string>();
  const developers: Developer[] = [];
  for (let i = 0; i < shape.developers; i++) developers.push(makeDeveloper(i, shape, secretFiles));
  addApplications(developers);
  return { developers, secretFiles, pems };
}

/**
 * Gives every approved developer one application with one registration, and moves a quarter of all
 * credentials into them: every k-th non-acl credential of the approved developers (an application
 * holds no acl), so the count is exact and the choice needs no random draws (the developers above
 * stay as they were before applications). A moved credential keeps its values, so the values Kong
 * needs unique stay unique; its identity is unique within the application as it was within the
 * developer.
 */
function addApplications(developers: Developer[]): void {
  const total = developers.reduce((n, d) => n + d.credentials.length, 0);
  const eligible = developers
    .filter((d) => d.status === 'approved')
    .reduce((n, d) => n + d.credentials.filter((c) => c.type !== 'acl').length, 0);
  const stride = eligible / Math.floor(total / 4);
  let seen = 0;
  let next = 0;
  for (const [i, d] of developers.entries()) {
    if (d.status !== 'approved') continue;
    const application: Application = {
      name: i % 3 === 0 ? 'billing' : 'main',
      credentials: [],
      registrations: [
        { api: APIS[i % APIS.length]!, status: REGISTRATION_STATUSES[i % REGISTRATION_STATUSES.length]! },
      ],
    };
    if (i % 2 === 0) application.description = `Application of developer ${i}`;
    const kept: Array<Record<string, unknown>> = [];
    for (const c of d.credentials) {
      if (c.type !== 'acl' && seen++ >= next) {
        application.credentials.push(c);
        next += stride;
      } else kept.push(c);
    }
    d.credentials = kept;
    d.applications = [application];
  }
}

/** Credentials held by a developer and its applications. */
export function credentialCount(d: Developer): number {
  return d.credentials.length + (d.applications ?? []).reduce((n, a) => n + a.credentials.length, 0);
}

/** Every credential of a developer, its applications' included. */
export function allCredentials(d: Developer): Array<Record<string, unknown>> {
  return [...d.credentials, ...(d.applications ?? []).flatMap((a) => a.credentials)];
}

function makeDeveloper(i: number, shape: PortalShape, secretFiles: Map<string, string>): Developer {
  const r = rng(Math.imul(i ^ 0x9e3779b9, 0x85ebca6b) ^ 0x27d4eb2f);
  const local = `dev${i}`;
  const status = STATUSES[Math.floor(r() * STATUSES.length)]!;
  const developer: Developer = {
    email: `${local}@example${i % 97}.com`,
    fullName: `Developer ${i} ${COMPANIES[i % COMPANIES.length]!.split(' ')[0]}`,
    status,
    credentials: [],
  };
  if (r() < 0.5) developer.customId = `cid-${i}`;
  if (r() < 0.7) developer.meta = { company: COMPANIES[Math.floor(r() * COMPANIES.length)]!, team: `team-${i % 31}` };
  if (status !== 'approved' && status !== 'revoked') return developer;
  const secretRef = () => ({ fromEnv: `PORTALFORM_SECRET_BENCH_${Math.floor(r() * SECRET_ENV_COUNT)}` });
  const c = developer.credentials;
  // ~3.3 credentials per approved or revoked developer: ~2.9 per developer overall.
  c.push({ type: 'acl', group: GROUPS[i % GROUPS.length] });
  if (r() < 0.3) c.push({ type: 'acl', group: GROUPS[(i + 3) % GROUPS.length] });
  const key: Record<string, unknown> = { type: 'key-auth', name: 'ci' };
  if (r() < 0.05) {
    const file = `secrets/key-${i}.txt`;
    secretFiles.set(file, `bench-key-${i}-${String(Math.floor(r() * 1e9)).padStart(9, '0')}\n`);
    key.key = { fromFile: file };
  }
  if (r() < 0.3) key.ttl = 2592000;
  c.push(key);
  if (r() < 0.35) c.push({ type: 'key-auth', name: 'prod' });
  if (r() < shape.basicAuthShare) c.push({ type: 'basic-auth', username: `${local}-basic`, password: secretRef() });
  if (r() < 0.45) {
    const app: Record<string, unknown> = {
      type: 'oauth2',
      name: `${local}-app`,
      redirectUris: [`https://app${i}.example.com/callback`],
    };
    if (r() < 0.5) app.clientId = `${local}-client`;
    if (r() < 0.5) app.clientSecret = secretRef();
    if (r() < 0.2) app.clientType = 'public';
    c.push(app);
  }
  if (r() < 0.2) {
    const hmac: Record<string, unknown> = { type: 'hmac-auth', username: `${local}-hmac` };
    if (r() < 0.5) hmac.secret = secretRef();
    c.push(hmac);
  }
  if (r() < 0.2) {
    const rsa = r() < 0.4;
    const jwt: Record<string, unknown> = { type: 'jwt', key: `${local}-issuer`, algorithm: rsa ? 'RS256' : 'HS256' };
    if (rsa) jwt.rsaPublicKey = { fromFile: `keys/bench-${i % PEM_COUNT}.pem` };
    else if (r() < 0.5) jwt.secret = secretRef();
    c.push(jwt);
  }
  return developer;
}

/**
 * A change to developer `i` (one of a rotating set of kinds), or null to delete it. Every change
 * is legal under the life cycle.
 */
export function changeDeveloper(d: Developer, i: number, variant = 0): Developer | null {
  const copy: Developer = { ...d, credentials: d.credentials.map((c) => ({ ...c })) };
  if (d.applications)
    copy.applications = d.applications.map((a) => ({
      ...a,
      credentials: a.credentials.map((c) => ({ ...c })),
      registrations: a.registrations.map((r) => ({ ...r })),
    }));
  switch (((i / 100 + variant) % 6) | 0) {
    case 0:
      copy.fullName = `${d.fullName} (renamed${variant})`;
      return copy;
    case 1:
      copy.meta = { ...(d.meta ?? {}), tier: `t${variant}` };
      return copy;
    case 2:
      if (d.status === 'approved') copy.status = 'revoked';
      else if (d.status === 'revoked' || d.status === 'pending') copy.status = 'approved';
      else copy.fullName = `${d.fullName} (still rejected)`;
      return copy;
    case 3:
      if (d.status === 'approved' || d.status === 'revoked')
        copy.credentials.push({ type: 'acl', group: `extra-${variant}` });
      else copy.fullName = `${d.fullName} (${variant})`;
      return copy;
    case 4:
      if (copy.credentials.length > 1) copy.credentials.pop();
      else copy.fullName = `${d.fullName} [${variant}]`;
      return copy;
    default:
      return null;
  }
}

/** Applies `changeDeveloper` to every developer whose index is in `changed`; deleted ones get a newcomer. */
export function withChanges(developers: Developer[], changed: (i: number) => boolean, variant = 0): Developer[] {
  const out: Developer[] = [];
  for (const [i, d] of developers.entries()) {
    if (!changed(i)) {
      out.push(d);
      continue;
    }
    const next = changeDeveloper(d, i, variant);
    if (next) out.push(next);
    else
      out.push({
        email: `newcomer${i}-${variant}@example.org`,
        fullName: `Newcomer ${i}`,
        status: 'pending',
        credentials: [],
      });
  }
  return out;
}

/** YAML for a list of developers, written by hand: fast and stable. */
/** `apiGroups`: the acl groups every API lets call (none by default: only applications' registrations may). */
export function manifestYaml(developers: Developer[], withPortal: boolean, apiGroups: readonly string[] = []): string {
  const lines: string[] = ['# yaml-language-server: $schema=../schemas/manifest.schema.json', 'version: 1'];
  if (withPortal) {
    lines.push('portal:', '  credentialTypes: [key-auth, basic-auth, oauth2, hmac-auth, jwt, acl]', 'apis:');
    for (const name of APIS) {
      lines.push(`  - name: ${name}`, `    title: ${JSON.stringify(`${name} API`)}`);
      if (apiGroups.length > 0) lines.push(`    aclGroups: [${apiGroups.join(', ')}]`);
    }
  }
  lines.push('developers:');
  for (const d of developers) {
    lines.push(`  - email: ${d.email}`, `    fullName: ${JSON.stringify(d.fullName)}`, `    status: ${d.status}`);
    if (d.customId) lines.push(`    customId: ${d.customId}`);
    if (d.meta)
      lines.push(
        `    meta: { ${Object.entries(d.meta)
          .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
          .join(', ')} }`,
      );
    if (d.credentials.length > 0) lines.push('    credentials:', ...credentialLines(d.credentials, '      '));
    if (!d.applications?.length) continue;
    lines.push('    applications:');
    for (const a of d.applications) {
      lines.push(`      - name: ${a.name}`);
      if (a.description) lines.push(`        description: ${JSON.stringify(a.description)}`);
      if (a.credentials.length > 0) lines.push('        credentials:', ...credentialLines(a.credentials, '          '));
      lines.push('        registrations:');
      for (const r of a.registrations) lines.push(`          - { api: ${r.api}, status: ${r.status} }`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function credentialLines(credentials: Array<Record<string, unknown>>, indent: string): string[] {
  return credentials.map(
    (c) =>
      `${indent}- ${Object.entries(c)
        .map(([k, v]) => `${k}: ${flow(v)}`)
        .join(`\n${indent}  `)}`,
  );
}

function flow(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(flow).join(', ')}]`;
  if (value && typeof value === 'object')
    return `{ ${Object.entries(value)
      .map(([k, v]) => `${k}: ${flow(v)}`)
      .join(', ')} }`;
  if (
    typeof value === 'string' &&
    /^[A-Za-z0-9][A-Za-z0-9@._/-]*$/.test(value) &&
    !/^(true|false|null|yes|no|\d.*)$/i.test(value)
  )
    return value;
  return JSON.stringify(value);
}

/** Writes the portal as `files` manifests (developers split evenly) plus its secret and key files. */
export function writePortal(
  dir: string,
  developers: Developer[],
  generated: Generated,
  files: number,
  apiGroups: readonly string[] = [],
): string[] {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'secrets'), { recursive: true });
  mkdirSync(path.join(dir, 'keys'), { recursive: true });
  for (const [file, content] of generated.secretFiles) writeFileSync(path.join(dir, file), content);
  for (const [i, pem] of generated.pems.entries()) writeFileSync(path.join(dir, `keys/bench-${i}.pem`), pem);
  return writeManifests(dir, developers, files, apiGroups);
}

/** (Re)writes the manifest files: `files` of them, developers split evenly, the portal block in the first. */
export function writeManifests(
  dir: string,
  developers: Developer[],
  files: number,
  apiGroups: readonly string[] = [],
): string[] {
  const written: string[] = [];
  const per = Math.ceil(developers.length / files);
  for (let f = 0; f < files; f++) {
    const file = path.join(dir, files === 1 ? 'portal.yaml' : `portal-${String(f).padStart(3, '0')}.yaml`);
    writeFileSync(file, manifestYaml(developers.slice(f * per, (f + 1) * per), f === 0, apiGroups));
    written.push(file);
  }
  return written;
}
