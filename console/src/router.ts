import { useEffect, useState } from 'preact/hooks';

// a tiny path router: pages are real URLs the hub serves, links move through history
export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  dispatchEvent(new PopStateEvent('popstate'));
}

export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    addEventListener('popstate', update);
    return () => removeEventListener('popstate', update);
  }, []);
  return path;
}

/** Follows same-page links without a reload. */
export function onLinkClick(e: MouseEvent): void {
  const a = (e.target as Element).closest('a');
  // a download (e.g. a blob: CSV) is the browser's to follow, not a page
  if (!a || a.hasAttribute('download') || a.origin !== location.origin || e.metaKey || e.ctrlKey || e.shiftKey) return;
  e.preventDefault();
  navigate(a.pathname + a.search);
}
