import type { RuleName } from '../../../../protocol/edge-messages.js';
import type { EventItem } from '../../../../protocol/rest.js';
import type { I18n } from '../i18n/i18n.js';

/**
 * Parts of an event the cloud stores but `EventItem` does not carry yet: the rule's bilingual name
 * and the clip. Read only when present and well-formed, so the viewer shows them as soon as the REST
 * item gains `name` and `clipUrl`, and nothing (rather than a guess) before.
 */
export interface EventExtras {
  name: RuleName | null;
  clipUrl: string | null;
}

function isRuleName(v: unknown): v is RuleName {
  return typeof v === 'object' && v !== null && typeof (v as RuleName).zh === 'string' && typeof (v as RuleName).en === 'string';
}

export function eventExtras(item: EventItem): EventExtras {
  const loose = item as EventItem & { name?: unknown; clipUrl?: unknown };
  return {
    name: isRuleName(loose.name) ? loose.name : null,
    clipUrl: typeof loose.clipUrl === 'string' && loose.clipUrl.startsWith('/api/') ? loose.clipUrl : null,
  };
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
