import Type, { type Static } from 'typebox';
import { EpochMs } from './edge-messages.js';

/** What a webhook delivery announces (its `x-mingliang-event` header and body `event`). */
export const WebhookEventName = Type.Union([
  Type.Literal('event.new'),
  Type.Literal('event.update'),
  Type.Literal('event.end'),
  Type.Literal('camera.state'),
  Type.Literal('workflow.update'),
]);
export type WebhookEventName = Static<typeof WebhookEventName>;

export const WebhookDeliveryState = Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]);
export type WebhookDeliveryState = Static<typeof WebhookDeliveryState>;

/**
 * The JSON body of every webhook delivery. `data` is, by event: `{type, before, after}` (event.*,
 * Frigate style, like MQTT `<prefix>/events`), the camera (camera.state) or `{item, entry, cameraId,
 * eventType}` (workflow.update).
 */
export const WebhookBody = Type.Object(
  {
    id: Type.String({ description: 'Delivery id, also in x-mingliang-delivery; the same on every attempt.' }),
    event: WebhookEventName,
    at: EpochMs,
    data: Type.Unknown(),
  },
  { additionalProperties: false },
);
export type WebhookBody = Static<typeof WebhookBody>;

/** One delivery as `GET /api/integrations/webhooks/deliveries` shows it (admins only). */
export const WebhookDeliveryItem = Type.Object(
  {
    id: Type.String(),
    /** The endpoint, without credentials or query string. */
    endpoint: Type.String(),
    event: WebhookEventName,
    state: WebhookDeliveryState,
    attempts: Type.Integer({ minimum: 0 }),
    nextAttemptAt: Type.Union([EpochMs, Type.Null()]),
    /** HTTP status of the last attempt, null when it got none (network error, timeout) or none was made. */
    lastStatus: Type.Union([Type.Integer(), Type.Null()]),
    lastError: Type.Union([Type.String(), Type.Null()]),
    createdAt: EpochMs,
    updatedAt: EpochMs,
    deliveredAt: Type.Union([EpochMs, Type.Null()]),
  },
  { additionalProperties: false },
);
export type WebhookDeliveryItem = Static<typeof WebhookDeliveryItem>;

export const WebhookDeliveryQuery = Type.Object(
  {
    state: Type.Optional(WebhookDeliveryState),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
);
export type WebhookDeliveryQuery = Static<typeof WebhookDeliveryQuery>;

export const WebhookDeliveryListResponse = Type.Object(
  {
    items: Type.Array(WebhookDeliveryItem, { description: 'Newest first.' }),
    /** Deliveries by state, over everything kept (not only this page). */
    counts: Type.Object(
      { pending: Type.Integer({ minimum: 0 }), delivered: Type.Integer({ minimum: 0 }), failed: Type.Integer({ minimum: 0 }) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type WebhookDeliveryListResponse = Static<typeof WebhookDeliveryListResponse>;
