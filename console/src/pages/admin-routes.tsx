import type { JSX } from 'preact';
import { AgencyAdminPage, OperatorGalleriesPage } from './agency-admin';
import { AuditLogPage } from './audit-log';
import { RequestPage } from './request';
import { RequestsPage } from './requests';
import { StatutoryReportsPage, VerifyReportPage } from './reports';
import { SharingPage } from './sharing';

/** The operator's and agency administrator's pages beyond /operator, the requests and the reports pages, by path (main.tsx asks here first). */
export function adminView(path: string): JSX.Element | null {
  if (path === '/admin') return <AgencyAdminPage />;
  if (path === '/galleries') return <OperatorGalleriesPage />;
  if (path === '/sharing') return <SharingPage />;
  if (path === '/audit') return <AuditLogPage />;
  if (path === '/requests') return <RequestsPage />;
  if (/^\/requests\/[\w-]+$/.test(path)) return <RequestPage id={path.split('/')[2]} />;
  if (path === '/verify') return <VerifyReportPage />;
  if (path === '/statutory') return <StatutoryReportsPage />;
  return null;
}
