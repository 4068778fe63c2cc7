import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { OrgItem, OrgListResponse } from '../../../../protocol/rest.js';
import type { UserItem, UserListResponse } from '../../../../protocol/users.js';
import type {
  AcceptRequest,
  DispatchRequest,
  FalseAlarmRequest,
  HandleRequest,
  RecheckRequest,
  SuperviseRequest,
  WorkflowItem,
} from '../../../../protocol/workflow.js';
import { errorText } from '../api/error-text.js';
import { useSession } from '../api/session-context.js';
import { useI18n } from '../i18n/i18n.js';
import { attachmentUploadPath, actionPath, parseLocalDateTime, type WorkflowForm } from './workflow-logic.js';
import type { UploadedAttachment } from './workflow-api.js';

/** Most photos one 处置 carries (HandleRequest.attachments maxItems). */
const MAX_PHOTOS = 20;

interface FormProps {
  eventId: string;
  item: WorkflowItem;
  /** Called with the cloud's answer after a successful action. */
  onDone: (answer: unknown) => void;
}

/** Submit state shared by every form: busy flag, the cloud's error, and the POST itself. */
function useSubmit(eventId: string, form: WorkflowForm, onDone: (answer: unknown) => void): {
  busy: boolean;
  error: string | null;
  submit: (body: unknown) => Promise<void>;
} {
  const i18n = useI18n();
  const { api } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (body: unknown): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const answer = await api.post<unknown>(actionPath(eventId, form), body);
      onDone(answer);
    } catch (err) {
      setError(errorText(err, i18n));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, submit };
}

function FormFooter({ busy, error, label }: { busy: boolean; error: string | null; label: string }): ReactNode {
  const { t } = useI18n();
  return (
    <div className="form-footer">
      <button type="submit" className="primary" disabled={busy} data-testid="wf-submit">
        {busy ? t('wf.working') : label}
      </button>
      {error !== null && (
        <p className="error" role="alert" data-testid="wf-error">
          {error}
        </p>
      )}
    </div>
  );
}

function NoteField({ value, onChange, label, required }: { value: string; onChange: (v: string) => void; label: string; required: boolean }): ReactNode {
  return (
    <label className="field">
      <span>{label}</span>
      <textarea value={value} onChange={(e) => onChange(e.target.value)} required={required} maxLength={2000} rows={3} data-testid="wf-note" />
    </label>
  );
}

function AcceptForm({ eventId, onDone }: FormProps): ReactNode {
  const { t } = useI18n();
  const [note, setNote] = useState('');
  const { busy, error, submit } = useSubmit(eventId, 'accept', onDone);
  const onSubmit = (e: FormEvent): void => {
    e.preventDefault();
    const body: AcceptRequest = note.trim() === '' ? {} : { note: note.trim() };
    void submit(body);
  };
  return (
    <form className="wf-form" onSubmit={onSubmit}>
      <NoteField value={note} onChange={setNote} label={t('wf.field.noteOptional')} required={false} />
      <FormFooter busy={busy} error={error} label={t('wf.form.accept')} />
    </form>
  );
}

/**
 * Orgs and users to dispatch to: every user reads the orgs of its scope; only administrators may list
 * users (others name a user by id).
 */
function useDispatchTargets(): { orgs: OrgItem[] | null; users: UserItem[] | null } {
  const { api, can } = useSession();
  const [orgs, setOrgs] = useState<OrgItem[] | null>(null);
  const [users, setUsers] = useState<UserItem[] | null>(null);
  const mayListUsers = can('admin');
  useEffect(() => {
    const abort = new AbortController();
    api.get<OrgListResponse>('/api/orgs', abort.signal).then((r) => setOrgs(r.items), () => setOrgs(null));
    if (mayListUsers) api.get<UserListResponse>('/api/users', abort.signal).then((r) => setUsers(r.items.filter((u) => !u.disabled)), () => setUsers(null));
    return () => abort.abort();
  }, [api, mayListUsers]);
  return { orgs, users };
}

function DispatchForm({ eventId, item, onDone }: FormProps): ReactNode {
  const i18n = useI18n();
  const { t, time } = i18n;
  const { orgs, users } = useDispatchTargets();
  const [orgId, setOrgId] = useState('');
  const [userId, setUserId] = useState('');
  const [deadline, setDeadline] = useState('');
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const { busy, error, submit } = useSubmit(eventId, 'dispatch', onDone);
  const onSubmit = (e: FormEvent): void => {
    e.preventDefault();
    setProblem(null);
    const body: DispatchRequest = {};
    if (orgId !== '') body.orgId = Number(orgId);
    if (userId !== '') body.userId = Number(userId);
    if (note.trim() !== '') body.note = note.trim();
    const deadlineAt = parseLocalDateTime(deadline);
    if (deadline !== '' && deadlineAt === null) return setProblem(t('wf.deadlineInvalid'));
    if (deadlineAt !== null) {
      if (deadlineAt <= Date.now()) return setProblem(t('wf.deadlinePast'));
      body.deadlineAt = deadlineAt;
    }
    void submit(body);
  };
  const idInput = (value: string, set: (v: string) => void, label: string, testId: string): ReactNode => (
    <label className="field">
      <span>{label}</span>
      <input type="number" min={1} step={1} value={value} onChange={(e) => set(e.target.value)} data-testid={testId} />
    </label>
  );
  return (
    <form className="wf-form" onSubmit={onSubmit}>
      <p className="muted small">{item.deadlineAt !== null ? t('wf.currentDeadline', { time: time(item.deadlineAt) }) : t('wf.deadlineByTier')}</p>
      {orgs ? (
        <label className="field">
          <span>{t('wf.field.org')}</span>
          <select value={orgId} onChange={(e) => setOrgId(e.target.value)} data-testid="wf-org">
            <option value="">{t('wf.defaultOrg')}</option>
            {orgs.map((o) => (
              <option key={o.id} value={String(o.id)}>
                {o.name} · {i18n.tKnown(`orgKind.${o.kind}`, o.kind)}
              </option>
            ))}
          </select>
        </label>
      ) : (
        idInput(orgId, setOrgId, t('wf.field.orgId'), 'wf-org')
      )}
      {users ? (
        <label className="field">
          <span>{t('wf.field.user')}</span>
          <select value={userId} onChange={(e) => setUserId(e.target.value)} data-testid="wf-user">
            <option value="">{t('common.none')}</option>
            {users.map((u) => (
              <option key={u.id} value={String(u.id)}>
                {u.displayName ?? u.username} ({u.username}) · {i18n.tKnown(`role.${u.role}`, u.role)}
              </option>
            ))}
          </select>
        </label>
      ) : (
        idInput(userId, setUserId, t('wf.field.userId'), 'wf-user')
      )}
      <label className="field">
        <span>{t('wf.field.deadline')}</span>
        <input type="datetime-local" value={deadline} onChange={(e) => setDeadline(e.target.value)} data-testid="wf-deadline" />
      </label>
      <NoteField value={note} onChange={setNote} label={t('wf.field.noteOptional')} required={false} />
      {problem !== null && <p className="error">{problem}</p>}
      <FormFooter busy={busy} error={error} label={t('wf.form.dispatch')} />
    </form>
  );
}

interface Photo {
  key: string;
  file: File;
  preview: string;
  uploaded: UploadedAttachment | null;
  error: string | null;
}

/** 处置: a note and rectification photos, each uploaded as soon as it is picked. */
function HandleForm({ eventId, onDone }: FormProps): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useSession();
  const [note, setNote] = useState('');
  const [photos, setPhotos] = useState<Photo[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const { busy, error, submit } = useSubmit(eventId, 'handle', onDone);
  const held = useRef<Photo[]>([]);
  held.current = photos;
  // Previews are revoked when a photo is removed and, for the rest, when the form goes away.
  useEffect(() => () => held.current.forEach((p) => URL.revokeObjectURL(p.preview)), []);

  const upload = async (photo: Photo): Promise<void> => {
    const form = new FormData();
    form.append('file', photo.file, photo.file.name);
    try {
      const uploaded = await api.upload<UploadedAttachment>(attachmentUploadPath(eventId), form);
      setPhotos((ps) => ps.map((p) => (p.key === photo.key ? { ...p, uploaded, error: null } : p)));
    } catch (err) {
      setPhotos((ps) => ps.map((p) => (p.key === photo.key ? { ...p, error: errorText(err, i18n) } : p)));
    }
  };
  const onFiles = (files: FileList | null): void => {
    if (!files) return;
    const room = MAX_PHOTOS - photos.length;
    const picked = [...files].filter((f) => f.type.startsWith('image/')).slice(0, Math.max(0, room));
    const added = picked.map((file, i) => ({ key: `${Date.now()}-${i}-${file.name}`, file, preview: URL.createObjectURL(file), uploaded: null, error: null }));
    setPhotos((ps) => [...ps, ...added]);
    for (const p of added) void upload(p);
  };
  const onSubmit = (e: FormEvent): void => {
    e.preventDefault();
    setProblem(null);
    if (photos.some((p) => p.uploaded === null)) return setProblem(t('wf.photosPending'));
    const body: HandleRequest = { note: note.trim(), attachments: photos.flatMap((p) => (p.uploaded ? [p.uploaded.sha256] : [])) };
    void submit(body);
  };
  return (
    <form className="wf-form" onSubmit={onSubmit}>
      <NoteField value={note} onChange={setNote} label={t('wf.field.handleNote')} required />
      <label className="field">
        <span>{t('wf.field.photos')}</span>
        <input type="file" accept="image/*" multiple onChange={(e) => onFiles(e.target.files)} data-testid="wf-photos" />
      </label>
      {photos.length > 0 && (
        <div className="attachments">
          {photos.map((p) => (
            <figure key={p.key} className="attachment local" data-state={p.error ? 'failed' : p.uploaded ? 'done' : 'uploading'} data-testid="wf-photo">
              <img src={p.preview} alt={p.file.name} />
              <figcaption className="small">{p.error ?? (p.uploaded ? t('wf.uploaded') : t('wf.uploading'))}</figcaption>
              <button
                type="button"
                className="ghost remove"
                aria-label={t('wf.removePhoto')}
                onClick={() => {
                  URL.revokeObjectURL(p.preview);
                  setPhotos((ps) => ps.filter((x) => x.key !== p.key));
                }}
              >
                ×
              </button>
            </figure>
          ))}
        </div>
      )}
      {problem !== null && <p className="error">{problem}</p>}
      <FormFooter busy={busy} error={error} label={t('wf.form.handle')} />
    </form>
  );
}

function RecheckForm({ eventId, onDone }: FormProps): ReactNode {
  const { t } = useI18n();
  const [pass, setPass] = useState<boolean | null>(null);
  const [score, setScore] = useState('');
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const { busy, error, submit } = useSubmit(eventId, 'recheck', onDone);
  const onSubmit = (e: FormEvent): void => {
    e.preventDefault();
    setProblem(null);
    if (pass === null) return setProblem(t('wf.pickResult'));
    const body: RecheckRequest = { pass, note: note.trim() };
    if (score !== '') {
      const n = Number(score);
      if (!Number.isInteger(n) || n < 0 || n > 100) return setProblem(t('wf.scoreRange'));
      body.score = n;
    }
    void submit(body);
  };
  return (
    <form className="wf-form" onSubmit={onSubmit}>
      <div className="radio-row" role="radiogroup" aria-label={t('wf.field.result')}>
        <label className="switch">
          <input type="radio" name="recheck" checked={pass === true} onChange={() => setPass(true)} data-testid="wf-pass" />
          <span>{t('wf.action.recheck_pass')}</span>
        </label>
        <label className="switch">
          <input type="radio" name="recheck" checked={pass === false} onChange={() => setPass(false)} data-testid="wf-fail" />
          <span>{t('wf.action.recheck_fail')}</span>
        </label>
      </div>
      <label className="field">
        <span>{t('wf.field.score')}</span>
        <input type="number" min={0} max={100} step={1} value={score} onChange={(e) => setScore(e.target.value)} data-testid="wf-score" />
      </label>
      <NoteField value={note} onChange={setNote} label={t('wf.field.evaluation')} required />
      {problem !== null && <p className="error">{problem}</p>}
      <FormFooter busy={busy} error={error} label={t('wf.form.recheck')} />
    </form>
  );
}

function FalseAlarmForm({ eventId, onDone }: FormProps): ReactNode {
  const { t } = useI18n();
  const [reason, setReason] = useState('');
  const { busy, error, submit } = useSubmit(eventId, 'false_alarm', onDone);
  const onSubmit = (e: FormEvent): void => {
    e.preventDefault();
    const body: FalseAlarmRequest = { reason: reason.trim() };
    void submit(body);
  };
  return (
    <form className="wf-form" onSubmit={onSubmit}>
      <NoteField value={reason} onChange={setReason} label={t('wf.field.reason')} required />
      <FormFooter busy={busy} error={error} label={t('wf.form.false_alarm')} />
    </form>
  );
}

function SuperviseForm({ eventId, onDone }: FormProps): ReactNode {
  const { t } = useI18n();
  const [note, setNote] = useState('');
  const { busy, error, submit } = useSubmit(eventId, 'supervise', onDone);
  const onSubmit = (e: FormEvent): void => {
    e.preventDefault();
    const body: SuperviseRequest = { note: note.trim() };
    void submit(body);
  };
  return (
    <form className="wf-form" onSubmit={onSubmit}>
      <NoteField value={note} onChange={setNote} label={t('wf.field.superviseNote')} required />
      <FormFooter busy={busy} error={error} label={t('wf.form.supervise')} />
    </form>
  );
}

const FORMS: Readonly<Record<WorkflowForm, (props: FormProps) => ReactNode>> = {
  accept: AcceptForm,
  dispatch: DispatchForm,
  handle: HandleForm,
  recheck: RecheckForm,
  false_alarm: FalseAlarmForm,
  supervise: SuperviseForm,
};

/** The actions open to this user now, one tab each; the chosen one's form below. */
export function WorkflowActions({ forms, ...props }: FormProps & { forms: readonly WorkflowForm[] }): ReactNode {
  const { t } = useI18n();
  const [chosen, setChosen] = useState<WorkflowForm | null>(forms[0] ?? null);
  const active = chosen !== null && forms.includes(chosen) ? chosen : (forms[0] ?? null);
  if (active === null) return null;
  const Form = FORMS[active];
  return (
    <div className="wf-actions" data-testid="wf-actions">
      <div className="segmented" role="tablist" aria-label={t('wf.actions')}>
        <span className="seg-label">{t('wf.actions')}</span>
        {forms.map((f) => (
          <button key={f} type="button" role="tab" aria-selected={f === active} className={f === active ? 'active' : ''} onClick={() => setChosen(f)} data-testid={`wf-tab-${f}`}>
            {t(`wf.form.${f}`)}
          </button>
        ))}
      </div>
      <Form key={active} {...props} />
    </div>
  );
}
