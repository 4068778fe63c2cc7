import Type, { type Static } from 'typebox';
import { Id } from './edge-messages.js';

/**
 * Config schemas of the scene geometry a camera's rules refer to: zones (polygons), lines and masks,
 * all in normalised frame coordinates so they survive a change of the decode size.
 */

const Coord = Type.Number({ minimum: 0, maximum: 1 });

/** `[x, y]`, normalised to the frame (0..1, top-left origin, y down). */
export const PointConfig = Type.Tuple([Coord, Coord], { description: '[x, y] normalised to the frame (0..1, top-left origin)' });
export type PointConfig = Static<typeof PointConfig>;

/** What scene-preset rules a zone is for (explicit rules name zones by id and ignore tags). */
export const ZoneTag = Type.Union([Type.Literal('restricted'), Type.Literal('watch'), Type.Literal('no_parking'), Type.Literal('duty')], {
  description:
    'restricted: intrusion (a worksite danger zone, a closed area); watch: crowd and loitering; ' +
    'no_parking: illegal parking; duty: a post that must be staffed (off-duty)',
});
export type ZoneTag = Static<typeof ZoneTag>;

export const ZoneConfig = Type.Object(
  {
    id: { ...Id, description: 'zone id, unique on its camera; becomes the event zoneId' },
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'human name drawn on snapshots' })),
    points: Type.Array(PointConfig, { minItems: 3, maxItems: 64, description: 'polygon vertices in order' }),
    tags: Type.Array(ZoneTag, { default: [], maxItems: 4, description: 'which scene-preset rules use this zone' }),
  },
  { additionalProperties: false },
);
export type ZoneConfig = Static<typeof ZoneConfig>;

export const LineConfig = Type.Object(
  {
    id: { ...Id, description: 'line id, unique on its camera' },
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'human name drawn on snapshots' })),
    a: { ...PointConfig, description: 'first end; side A is on the left of a→b as seen on screen, side B on the right' },
    b: { ...PointConfig, description: 'second end' },
  },
  { additionalProperties: false },
);
export type LineConfig = Static<typeof LineConfig>;

export const MaskConfig = Type.Object(
  {
    id: Type.Optional({ ...Id, description: 'optional mask id, for messages' }),
    points: Type.Array(PointConfig, { minItems: 3, maxItems: 64, description: 'polygon vertices in order' }),
    classes: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      default: [],
      description: 'labels hidden by the mask (an object whose box centre lies in it is ignored by every rule); empty = every label',
    }),
  },
  { additionalProperties: false },
);
export type MaskConfig = Static<typeof MaskConfig>;

/** Which part of a box must be in a zone; see `Anchor` in geometry.ts. */
export const AnchorConfig = (fallback: 'bottom-centre' | 'centre' | 'any-overlap') =>
  Type.Union([Type.Literal('bottom-centre'), Type.Literal('centre'), Type.Literal('any-overlap')], {
    default: fallback,
    description:
      'point of a box tested against zones: bottom-centre (feet/wheels, for cameras looking at a floor), centre, or any-overlap',
  });

const Fraction = (fallback: number, description: string) => Type.Number({ minimum: -1, maximum: 2, default: fallback, description });

/** A part of a subject's box, in fractions of the box; may reach outside it (hands beside a body). */
export const RegionConfig = (d: { top: number; bottom: number; left: number; right: number }, description: string) =>
  Type.Object(
    {
      top: Fraction(d.top, 'top edge, fraction of the box height from its top'),
      bottom: Fraction(d.bottom, 'bottom edge, fraction of the box height from its top'),
      left: Fraction(d.left, 'left edge, fraction of the box width from its left'),
      right: Fraction(d.right, 'right edge, fraction of the box width from its left'),
    },
    { additionalProperties: false, default: d, description },
  );
