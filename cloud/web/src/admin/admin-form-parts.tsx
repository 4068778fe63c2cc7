import type { ReactNode } from 'react';
import type { OrgItem } from '../../../../protocol/rest.js';
import { useI18n } from '../i18n/i18n.js';
import { orgTreeRows } from './org-tree.js';

/** The `<option>`s of an org picker: the tree in order, indented by depth; `exclude` leaves orgs out. */
export function OrgOptions({ orgs, exclude }: { orgs: readonly OrgItem[]; exclude?: ReadonlySet<number> }): ReactNode {
  return orgTreeRows(orgs)
    .filter(({ org }) => !exclude?.has(org.id))
    .map(({ org, depth }) => (
      <option key={org.id} value={String(org.id)}>
        {'\u3000'.repeat(depth)}
        {org.name}
      </option>
    ));
}

/** Save / cancel buttons of an administration form, with the server's refusal beside them. */
export function FormFooter(props: { busy: boolean; error: string | null; onCancel: () => void; submitTestId: string }): ReactNode {
  const { t } = useI18n();
  return (
    <div className="form-footer">
      <button type="submit" className="primary" disabled={props.busy} data-testid={props.submitTestId}>
        {props.busy ? t('wf.working') : t('admin.save')}
      </button>
      <button type="button" className="ghost" onClick={props.onCancel}>
        {t('admin.cancel')}
      </button>
      {props.error !== null && (
        <p className="error" role="alert" data-testid="admin-error">
          {props.error}
        </p>
      )}
    </div>
  );
}
