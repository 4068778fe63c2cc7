import type { RuleName } from '../../../../protocol/edge-messages.js';
import type { EventItem } from '../../../../protocol/rest.js';
import type { I18n } from '../i18n/i18n.js';

/** The rule's bilingual name and the clip of an event (now part of `EventItem`). */
export interface EventExtras {
  name: RuleName | null;
  clipUrl: string | null;
}

export function eventExtras(item: EventItem): EventExtras {
  return { name: item.name, clipUrl: item.clipUrl };
}

/** The event's title: the rule's own name in the viewer's language, else the name of its type. */
export function eventTitle(item: EventItem, i18n: I18n): string {
  const { name } = eventExtras(item);
  if (name) return name[i18n.lang];
  return i18n.tKnown(`type.${item.type}`, item.type);
}

/** A detection label in the viewer's language where the dictionary knows it. */
export function labelName(label: string, i18n: I18n): string {
  return i18n.tKnown(`label.${label}`, label);
}

/** The camera's name when known, else its id. */
export function cameraName(cameraId: string, cameras: ReadonlyMap<string, { name: string }>): string {
  return cameras.get(cameraId)?.name ?? cameraId;
}
