import Type, { type Static } from 'typebox';

/** Section of the cloud config: Outgoing integrations: MQTT and webhooks. */
export const IntegrationsConfig = Type.Object({}, { additionalProperties: false, default: {}, description: 'Outgoing integrations: MQTT and webhooks.' });
export type IntegrationsConfig = Static<typeof IntegrationsConfig>;
