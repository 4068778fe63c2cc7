import type { ReactNode } from 'react';
import { EventDetail } from '../components/event-detail.js';
import { EventList } from '../components/event-list.js';
import type { PageProps } from '../router/pages.js';

/** 事件: the event list with filters at /events, one event at /events/<id>. */
export default function EventReviewPage({ rest }: PageProps): ReactNode {
  return rest === '' ? <EventList /> : <EventDetail id={rest} />;
}
