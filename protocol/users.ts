import Type, { type Static } from 'typebox';
import { Permission, UserRole } from './access.js';
import { EpochMs } from './edge-messages.js';
import { RowId } from './rest.js';

/** The signed-in user, as the viewer needs it to show only what the role and scope allow. */
export const SessionUser = Type.Object(
  {
    id: RowId,
    username: Type.String(),
    displayName: Type.Union([Type.String(), Type.Null()]),
    role: UserRole,
    orgId: Type.Union([RowId, Type.Null()]),
    siteId: Type.Union([RowId, Type.Null()]),
    permissions: Type.Array(Permission),
  },
  { additionalProperties: false },
);
export type SessionUser = Static<typeof SessionUser>;

/** `POST /api/auth/login` and `POST /api/auth/refresh`. */
export const LoginResponse = Type.Object(
  {
    /** Short-lived access token: `authorization: Bearer <token>`, socket `auth: {token}`. */
    token: Type.String(),
    /** Seconds until `token` expires. */
    expiresIn: Type.Integer({ minimum: 1 }),
    /** One-use token for `POST /api/auth/refresh`; each use returns a new one. */
    refreshToken: Type.String(),
    user: SessionUser,
  },
  { additionalProperties: false },
);
export type LoginResponse = Static<typeof LoginResponse>;

export const RefreshRequest = Type.Object(
  { refreshToken: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);
export type RefreshRequest = Static<typeof RefreshRequest>;

const Username = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.@-]+$' });
const NewPassword = Type.String({ minLength: 10, maxLength: 256, description: 'at least 10 characters' });
const PersonName = Type.String({ minLength: 1, maxLength: 128, pattern: '^[^\\u0000-\\u001f\\u007f]+$' });
const Phone = Type.String({ minLength: 3, maxLength: 32, pattern: '^[0-9+() -]+$' });

export const UserItem = Type.Object(
  {
    id: RowId,
    username: Type.String(),
    displayName: Type.Union([Type.String(), Type.Null()]),
    phone: Type.Union([Type.String(), Type.Null()]),
    role: UserRole,
    orgId: Type.Union([RowId, Type.Null()]),
    siteId: Type.Union([RowId, Type.Null()]),
    disabled: Type.Boolean(),
    createdAt: EpochMs,
    updatedAt: EpochMs,
  },
  { additionalProperties: false },
);
export type UserItem = Static<typeof UserItem>;

export const UserListResponse = Type.Object({ items: Type.Array(UserItem) }, { additionalProperties: false });
export type UserListResponse = Static<typeof UserListResponse>;

/**
 * `POST /api/users`. Operators and regulators need `orgId` (their subtree), site users `siteId`;
 * administrators take neither.
 */
export const UserCreateRequest = Type.Object(
  {
    username: Username,
    password: NewPassword,
    role: UserRole,
    orgId: Type.Optional(Type.Union([RowId, Type.Null()])),
    siteId: Type.Optional(Type.Union([RowId, Type.Null()])),
    displayName: Type.Optional(Type.Union([PersonName, Type.Null()])),
    phone: Type.Optional(Type.Union([Phone, Type.Null()])),
  },
  { additionalProperties: false },
);
export type UserCreateRequest = Static<typeof UserCreateRequest>;

/** `PATCH /api/users/:id`: any of role, scope, names, and `disabled`. */
export const UserUpdateRequest = Type.Object(
  {
    role: Type.Optional(UserRole),
    orgId: Type.Optional(Type.Union([RowId, Type.Null()])),
    siteId: Type.Optional(Type.Union([RowId, Type.Null()])),
    displayName: Type.Optional(Type.Union([PersonName, Type.Null()])),
    phone: Type.Optional(Type.Union([Phone, Type.Null()])),
    disabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UserUpdateRequest = Static<typeof UserUpdateRequest>;

/** `POST /api/users/:id/password`: an administrator sets a new password (and ends the user's sessions). */
export const PasswordResetRequest = Type.Object({ password: NewPassword }, { additionalProperties: false });
export type PasswordResetRequest = Static<typeof PasswordResetRequest>;

/** One audit record. */
export const AuditItem = Type.Object(
  {
    id: RowId,
    at: EpochMs,
    userId: Type.Union([RowId, Type.Null()]),
    username: Type.Union([Type.String(), Type.Null()]),
    role: Type.Union([Type.String(), Type.Null()]),
    action: Type.String(),
    targetKind: Type.Union([Type.String(), Type.Null()]),
    targetId: Type.Union([Type.String(), Type.Null()]),
    outcome: Type.Union([Type.Literal('ok'), Type.Literal('denied'), Type.Literal('failed')]),
    clientIp: Type.Union([Type.String(), Type.Null()]),
    detail: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  },
  { additionalProperties: false },
);
export type AuditItem = Static<typeof AuditItem>;

export const AuditQuery = Type.Object(
  {
    from: Type.Optional(EpochMs),
    to: Type.Optional(EpochMs),
    userId: Type.Optional(RowId),
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9_.]*$' })),
    targetKind: Type.Optional(Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z_]+$' })),
    targetId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    /** Return records with id below this (the previous page's last id). */
    before: Type.Optional(RowId),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

export const AuditListResponse = Type.Object(
  { items: Type.Array(AuditItem), nextBefore: Type.Union([RowId, Type.Null()]) },
  { additionalProperties: false },
);
export type AuditListResponse = Static<typeof AuditListResponse>;
