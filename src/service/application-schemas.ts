// The JSON Schemas of the application, registration and API bodies and answers
// (docs/applications.md), checked by Ajv as every other body (no coercion, unknown fields a 400)
// and published in openapi.json.
import { APPLICATION_NAME_PATTERN, MAX_DESCRIPTION_LENGTH } from '../portal/application-answers.js';
import { responses } from './schemas.js';

type Schema = Record<string, unknown>;

const origin: Schema = { enum: ['manifest', 'self-service', 'released'] };
const status: Schema = { enum: ['pending', 'approved', 'rejected', 'revoked'] };
const id = (description: string): Schema => ({ type: 'string', minLength: 1, maxLength: 128, description });
const apiName: Schema = {
  type: 'string',
  minLength: 1,
  maxLength: 63,
  description: 'The name of an API the portal publishes (GET /api/v1/apis).',
};
const description: Schema = {
  type: ['string', 'null'],
  maxLength: MAX_DESCRIPTION_LENGTH,
  description: "The application's description; null for none.",
};

function params(properties: Record<string, Schema>): Schema {
  return { type: 'object', additionalProperties: false, required: Object.keys(properties), properties };
}

export const applicationParams = params({ id: id('The application id, as listed.') });
export const applicationCredentialParams = params({
  id: id('The application id, as listed.'),
  credentialId: id("The credential id, as the application's listing shows it."),
});
export const registrationParams = params({ id: id('The application id, as listed.'), api: apiName });

export const createApplicationBody: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: {
      type: 'string',
      pattern: APPLICATION_NAME_PATTERN,
      description: "Unique among the developer's applications: a-z, 0-9 and '-', 1 to 63 characters.",
    },
    description,
  },
};
export const updateApplicationBody: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['description'],
  properties: { description },
};
export const registrationBody: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['api'],
  properties: { api: apiName },
};

const api: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'title', 'description', 'autoApprove'],
  properties: {
    name: { type: 'string' },
    title: { type: ['string', 'null'] },
    description: { type: ['string', 'null'] },
    autoApprove: {
      type: 'boolean',
      description: "Whether a request is approved at once: the API's autoApproveRegistrations, else the portal's.",
    },
  },
};

const registration: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['api', 'status', 'origin', 'createdAt', 'managed'],
  properties: {
    api: { type: 'string' },
    status,
    origin,
    createdAt: { type: 'string' },
    managed: { type: 'boolean', description: 'Managed by the manifests: only an admin withdraws it.' },
  },
};

const application: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'description', 'origin', 'createdAt', 'credentials', 'registrations', 'managed'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    description: { type: ['string', 'null'] },
    origin,
    createdAt: { type: 'string' },
    credentials: { type: 'array', items: responses.credential },
    registrations: { type: 'array', items: registration },
    managed: {
      type: 'object',
      additionalProperties: false,
      required: ['application', 'description'],
      properties: {
        application: {
          type: 'boolean',
          description: 'The manifests manage the application: it cannot be deleted here.',
        },
        description: { type: 'boolean', description: 'The manifests manage its description.' },
      },
    },
  },
};

export const applicationResponses = {
  apis: { type: 'object', required: ['apis'], properties: { apis: { type: 'array', items: api } } },
  applications: {
    type: 'object',
    required: ['applications'],
    properties: { applications: { type: 'array', items: application } },
  },
  application: { type: 'object', required: ['application'], properties: { application } },
  registration: { type: 'object', required: ['registration'], properties: { registration } },
} satisfies Record<string, Schema>;
