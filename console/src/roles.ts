/** Which page each role starts on; a role sees only its pages (the API refuses the rest anyway). */
export const HOME: Record<string, string> = {
  HUB_ADMIN: '/operator',
  AGENCY_ANALYST: '/analyst',
  AGENCY_SUPERVISOR: '/searches',
  AGENCY_ADMIN: '/admin',
  OVERSIGHT_AUDITOR: '/oversight',
  AGENCY_REQUESTER: '/requests',
};

export const PAGES: Record<string, { title: string; roles: string[] }> = {
  '/operator': { title: 'Tenants', roles: ['HUB_ADMIN'] },
  '/analyst': { title: 'New search', roles: ['AGENCY_ANALYST'] },
  // the pages that show faces: only the roles that may review a search (never oversight)
  '/searches': { title: 'Searches', roles: ['AGENCY_ANALYST', 'AGENCY_SUPERVISOR'] },
  '/searches/:id': { title: 'Search', roles: ['AGENCY_ANALYST', 'AGENCY_SUPERVISOR'] },
  // requests: the requesting officer's, the serving tenant's examiners' and supervisors' (the API scopes each)
  '/requests': { title: 'Requests', roles: ['AGENCY_REQUESTER', 'AGENCY_ANALYST', 'AGENCY_SUPERVISOR'] },
  '/requests/:id': { title: 'Request', roles: ['AGENCY_REQUESTER', 'AGENCY_ANALYST', 'AGENCY_SUPERVISOR'] },
  '/galleries': { title: 'Galleries', roles: ['HUB_ADMIN'] },
  '/sharing': { title: 'Sharing', roles: ['HUB_ADMIN'] },
  '/audit': { title: 'Audit log', roles: ['HUB_ADMIN'] },
  '/admin': { title: 'Agency administration', roles: ['AGENCY_ADMIN'] },
  // counts only: the operator's administrators read them too (the API gives HUB_ADMIN every tenant's)
  '/oversight': { title: 'Oversight', roles: ['OVERSIGHT_AUDITOR', 'HUB_ADMIN'] },
  '/statutory': { title: 'Statutory reports', roles: ['OVERSIGHT_AUDITOR', 'HUB_ADMIN'] },
  // any signed-in role may check a report it was handed (verifyReport is open to all)
  '/verify': { title: 'Verify a report', roles: ['HUB_ADMIN', 'AGENCY_ANALYST', 'AGENCY_SUPERVISOR', 'AGENCY_ADMIN', 'OVERSIGHT_AUDITOR', 'AGENCY_REQUESTER'] },
  '/graphiql': { title: 'GraphQL', roles: ['HUB_ADMIN', 'AGENCY_ANALYST', 'AGENCY_SUPERVISOR', 'AGENCY_ADMIN', 'OVERSIGHT_AUDITOR', 'AGENCY_REQUESTER'] },
};

/** The page a path shows: an exact page, else a page with an id (`/searches/:id`). */
export const pageOf = (path: string): string => (PAGES[path] ? path : path.replace(/\/[\w-]+$/, '/:id'));
