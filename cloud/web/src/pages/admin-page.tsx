import type { ReactNode } from 'react';
import { useSession } from '../api/session-context.js';
import { AuditAdmin } from '../admin/audit-admin.js';
import { DirectoryAdmin } from '../admin/directory-admin.js';
import { OrgsAdmin } from '../admin/orgs-admin.js';
import { SitesAdmin } from '../admin/sites-admin.js';
import { UsersAdmin } from '../admin/users-admin.js';
import { useI18n } from '../i18n/i18n.js';
import type { MessageKey } from '../i18n/messages.js';
import { Link } from '../router/location.js';
import type { PageProps } from '../router/pages.js';
import { CameraRulesAdmin } from '../rules/camera-rules-admin.js';

const TABS: readonly { id: string; label: MessageKey; component: () => ReactNode; audit?: true }[] = [
  { id: 'users', label: 'admin.tab.users', component: UsersAdmin },
  { id: 'orgs', label: 'admin.tab.orgs', component: OrgsAdmin },
  { id: 'sites', label: 'admin.tab.sites', component: SitesAdmin },
  { id: 'cameras', label: 'admin.tab.cameras', component: DirectoryAdmin },
  { id: 'rules', label: 'admin.tab.rules', component: CameraRulesAdmin },
  { id: 'audit', label: 'admin.tab.audit', component: AuditAdmin, audit: true },
];

/** 系统管理 (administrators): users, the org tree, sites, the camera directory, camera rules and the audit log. */
export default function AdminPage({ rest }: PageProps): ReactNode {
  const { t } = useI18n();
  const { can } = useSession();
  const tabs = TABS.filter((tab) => !tab.audit || can('audit.read'));
  const active = tabs.find((tab) => tab.id === rest) ?? (rest === '' ? tabs[0] : undefined);
  const Tab = active?.component;
  return (
    <section className="admin" data-testid="admin-page">
      <div className="toolbar">
        <h1>{t('nav.admin')}</h1>
        <nav className="tabs" aria-label={t('nav.admin')}>
          {tabs.map((tab) => (
            <Link key={tab.id} to={`/admin/${tab.id}`} className={tab === active ? 'tab active' : 'tab'}>
              {t(tab.label)}
            </Link>
          ))}
        </nav>
      </div>
      {Tab ? <Tab /> : <p className="muted pad">{t('page.notFound')}</p>}
    </section>
  );
}
