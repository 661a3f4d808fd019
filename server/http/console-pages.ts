// The web console's paths, for the router that serves them (console.ts) and the metric labels of
// requests (http.ts): a leaf, so neither imports the other for them.

/** The console's pages: each is the same index.html, the script routes on the path (console/src/roles.ts PAGES, plus / and /sign-in). */
export const CONSOLE_PAGES = ['/', '/sign-in', '/operator', '/analyst', '/oversight', '/graphiql', '/searches', '/searches/:id', '/requests', '/requests/:id', '/sharing', '/audit', '/admin', '/galleries', '/verify', '/statutory'];

/** Where the console's page opens and closes its session (a hub token into an HttpOnly cookie). */
export const SESSION_PATH = '/console/session';
/** The console's sign-in with an agency's identity provider: where it starts, where the provider sends the browser back. */
export const OIDC_START = '/console/oidc/start';
export const OIDC_CALLBACK = '/console/oidc/callback';

/** The console page a path shows: a page, else a page with an id (`/searches/<id>` is `/searches/:id`), as console/src/roles.ts pageOf. */
export const pageOf = (path: string): string => (CONSOLE_PAGES.includes(path) ? path : path.replace(/\/[\w-]+$/, '/:id'));

/** The console page a path shows when it is one of them (with its id), else undefined. */
export function consolePage(path: string): string | undefined {
  const page = pageOf(path);
  return CONSOLE_PAGES.includes(page) ? page : undefined;
}
