import type { AuthUser } from '../access/access-scope.js';

/**
 * Decides whether a user may watch a camera live. Called for every live-view request, after
 * authentication and before anything is started or signed. The media plugin's default checks the
 * user's role (`live.view`) and scope (the camera's site).
 */
export type CanViewCamera = (user: AuthUser, cameraId: string) => boolean | Promise<boolean>;
