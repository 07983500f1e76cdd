// The portal's settings live beside the model (src/portal-settings.ts), which apply and plans read too.
export * from '../portal-settings.js';
