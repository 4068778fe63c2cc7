import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import type { NoticeItem } from '../../../../protocol/workflow.js';
import { useSession } from '../api/session-context.js';
import { useI18n } from '../i18n/i18n.js';
import { cameraName } from '../lib/event-names.js';
import { useLiveData } from '../live/live-data.js';
import { isUnread, markAllRead, markRead, mergeNotices, parseReadState, unreadCount, type NoticeReadState } from '../live/notice-list.js';
import { useLocation } from '../router/location.js';
import { noticeListPath, type NoticeListResponse } from '../workflow/workflow-api.js';

const READ_KEY = (userId: number): string => `mingliang.noticesRead.${userId}`;
const FIRST_PAGE = 50;

/** What a notice is about, in words: the kind, the event type and the camera. */
function NoticeText({ notice }: { notice: NoticeItem }): ReactNode {
  const i18n = useI18n();
  const { alerts, cameras } = useLiveData();
  const event = alerts.find((a) => a.id === notice.eventId);
  return (
    <>
      <span className="notice-kind" data-kind={notice.kind}>
        {i18n.t(`notice.kind.${notice.kind}`)}
      </span>
      <span className="notice-what">{event ? `${i18n.tKnown(`type.${event.type}`, event.type)} · ${cameraName(event.cameraId, cameras)}` : i18n.t('notice.event')}</span>
    </>
  );
}

/**
 * 通知: the bell in the top bar with the number of unread notices, fed by `GET /api/notices` (again
 * on every reconnect) and the socket's `notice` pushes. Opening a notice opens its event. What was
 * read is kept per user in this browser.
 */
export function NoticeBell(): ReactNode {
  const { t, shortTime } = useI18n();
  const { api, session } = useSession();
  const { onNotice, connectCount } = useLiveData();
  const { navigate } = useLocation();
  const userId = session?.user.id ?? 0;
  const [notices, setNotices] = useState<readonly NoticeItem[]>([]);
  const [read, setRead] = useState<NoticeReadState>(() => parseReadState(localStorage.getItem(READ_KEY(userId))));
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const abort = new AbortController();
    api.get<NoticeListResponse>(noticeListPath({ limit: FIRST_PAGE }), abort.signal).then(
      (page) => setNotices((held) => mergeNotices(held, page.items)),
      () => undefined, // The bell stays as it was; the next reconnect reads again.
    );
    return () => abort.abort();
  }, [api, connectCount]);
  useEffect(() => onNotice((n) => setNotices((held) => mergeNotices(held, [n]))), [onNotice]);

  const saveRead = useCallback(
    (next: NoticeReadState) => {
      setRead(next);
      localStorage.setItem(READ_KEY(userId), JSON.stringify(next));
    },
    [userId],
  );

  // A click anywhere else closes the list.
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent): void => {
      if (box.current && e.target instanceof Node && !box.current.contains(e.target)) setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [open]);

  const unread = unreadCount(notices, read);
  return (
    <div className="notice-bell" ref={box}>
      <button type="button" className="ghost bell" aria-expanded={open} aria-label={t('notice.title')} title={t('notice.title')} onClick={() => setOpen((o) => !o)} data-testid="notice-bell">
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
          <path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z" />
        </svg>
        {unread > 0 && (
          <span className="bell-count" data-testid="notice-count">
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </button>
      {open && (
        <div className="notice-panel" role="dialog" aria-label={t('notice.title')} data-testid="notice-panel">
          <div className="notice-head">
            <strong>{t('notice.title')}</strong>
            <button type="button" className="ghost small" disabled={unread === 0} onClick={() => saveRead(markAllRead(read, notices))} data-testid="notice-read-all">
              {t('notice.readAll')}
            </button>
          </div>
          {notices.length === 0 ? (
            <p className="muted pad">{t('notice.empty')}</p>
          ) : (
            <ol className="notice-items">
              {notices.map((n) => (
                <li key={n.id}>
                  <button
                    type="button"
                    className={isUnread(n, read) ? 'notice-item unread' : 'notice-item'}
                    title={n.message}
                    data-testid="notice-item"
                    data-kind={n.kind}
                    data-event-id={n.eventId}
                    onClick={() => {
                      saveRead(markRead(read, n.id));
                      setOpen(false);
                      navigate(`/events/${encodeURIComponent(n.eventId)}`);
                    }}
                  >
                    <NoticeText notice={n} />
                    <time className="muted small">{shortTime(n.at)}</time>
                  </button>
                </li>
              ))}
            </ol>
          )}
        </div>
      )}
    </div>
  );
}
