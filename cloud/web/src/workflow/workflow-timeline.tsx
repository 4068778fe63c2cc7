import type { ReactNode } from 'react';
import type { TimelineEntry, WorkflowAttachment } from '../../../../protocol/workflow.js';
import { useBlobUrl } from '../api/use-blob-url.js';
import { useI18n } from '../i18n/i18n.js';

/** A rectification photo (or other attachment), fetched with the bearer token; opens full size. */
export function AttachmentThumb({ attachment }: { attachment: Pick<WorkflowAttachment, 'url' | 'name' | 'sha256'> }): ReactNode {
  const { t } = useI18n();
  const image = useBlobUrl(attachment.url, attachment.sha256);
  if (image.status !== 'ready') {
    return (
      <span className="attachment empty" title={attachment.name}>
        {image.status === 'failed' ? t('wf.attachmentFailed') : t('common.loading')}
      </span>
    );
  }
  return (
    <a className="attachment" href={image.url} target="_blank" rel="noreferrer" title={attachment.name} data-testid="attachment-thumb">
      <img src={image.url} alt={attachment.name} />
    </a>
  );
}

/** Facts of an entry's `detail` that people read: dispatch target and deadline, score, level. */
function EntryDetail({ detail, orgName }: { detail: TimelineEntry['detail']; orgName: (id: number) => string }): ReactNode {
  const { t, time } = useI18n();
  if (!detail) return null;
  const parts: string[] = [];
  const num = (k: string): number | null => (typeof detail[k] === 'number' ? (detail[k] as number) : null);
  const str = (k: string): string | null => (typeof detail[k] === 'string' ? (detail[k] as string) : null);
  // Dispatch names the assignee (assigneeOrgId/UserId), an escalation the org it went up to (toOrgId).
  const orgId = num('orgId') ?? num('assigneeOrgId') ?? num('toOrgId');
  const userId = num('userId') ?? num('assigneeUserId');
  const org = str('orgName') ?? (orgId !== null ? orgName(orgId) : null);
  const user = str('username') ?? (userId !== null ? `#${userId}` : null);
  if (org !== null) parts.push(t('wf.detail.org', { org }));
  if (user !== null) parts.push(t('wf.detail.user', { user }));
  const deadline = num('deadlineAt');
  if (deadline !== null) parts.push(t('wf.detail.deadline', { time: time(deadline) }));
  const score = num('score');
  if (score !== null) parts.push(t('wf.detail.score', { score }));
  const level = num('level') ?? num('escalationLevel');
  if (level !== null) parts.push(t('wf.detail.level', { level }));
  if (parts.length === 0) return null;
  return <div className="tl-detail muted">{parts.join(' · ')}</div>;
}

/** The workflow timeline: who, when, what (in words), the note and the attachments of every step. */
export function WorkflowTimeline({ entries, orgName }: { entries: readonly TimelineEntry[]; orgName: (id: number) => string }): ReactNode {
  const i18n = useI18n();
  const { t, time } = i18n;
  return (
    <ol className="timeline" data-testid="wf-timeline">
      {entries.map((e) => (
        <li key={e.id} className="tl-entry" data-action={e.action} data-testid="wf-entry">
          <div className="tl-head">
            <span className="tl-action">{t(`wf.action.${e.action}`)}</span>
            <span className="tl-who">{e.user ? `${e.user.username} · ${i18n.tKnown(`role.${e.user.role}`, e.user.role)}` : t('wf.system')}</span>
            <time className="tl-time muted" dateTime={new Date(e.at).toISOString()}>
              {time(e.at)}
            </time>
          </div>
          <EntryDetail detail={e.detail} orgName={orgName} />
          {e.note !== null && <p className="tl-note">{e.note}</p>}
          {e.attachments.length > 0 && (
            <div className="attachments">
              {e.attachments.map((a) => (
                <AttachmentThumb key={a.sha256} attachment={a} />
              ))}
            </div>
          )}
        </li>
      ))}
    </ol>
  );
}
