// The rule schemas moved to protocol/ so the cloud validates cloud-edited rules with the same schema.
export * from '../../../protocol/rule-config.js';
