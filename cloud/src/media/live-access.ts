import type { AuthUser } from '../auth/user-auth.js';

/**
 * Decides whether a user may watch a camera live. Called for every live-view request, after
 * authentication and before anything is started or signed.
 */
export type CanViewCamera = (user: AuthUser, cameraId: string) => boolean | Promise<boolean>;

/**
 * Today's rule: every signed-in user may view every camera (all users are administrators). The
 * org/site scope check replaces this function; pass it to the media plugin as `canViewCamera`.
 */
export const canViewCamera: CanViewCamera = () => true;
