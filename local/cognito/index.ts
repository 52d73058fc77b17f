// The strict Cognito layer: an HTTP proxy in front of moto that answers as Cognito does where
// moto is more lenient; each rule names its AWS reference beside it in this folder.
export { appClientDefaults } from './app-clients.ts';
export type { CognitoFaultKind, CognitoFaults } from './faults.ts';
export type { CognitoLayer, CognitoLayerOptions, CognitoRequestRecord } from './layer.ts';
export { startCognitoLayer } from './layer.ts';
export type { CognitoResourceLimits } from './limits.ts';
export { cognitoDefaultResourceLimits } from './limits.ts';
export type { CognitoQuotaCategory } from './operations.ts';
export { isWriteOperation, quotaCategoryOf } from './operations.ts';
export type { CognitoQuotaSettings, CognitoQuotas } from './quotas.ts';
export { cognitoDefaultQuotas } from './quotas.ts';
