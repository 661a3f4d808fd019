import { useState } from 'preact/hooks';

/** The cursors of the pages seen so far (the first page has none): going back is the cursor before. */
export function useCursors() {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  return {
    after: cursors[cursors.length - 1],
    page: cursors.length,
    back: () => setCursors(cursors.slice(0, -1)),
    on: (cursor: string | null) => cursor && setCursors([...cursors, cursor]),
    reset: () => setCursors([null]),
  };
}

/** "Newer …" and "Older …" buttons over a connection's pageInfo. */
export function Pager({ label, noun, cursors, pageInfo }: { label: string; noun: string; cursors: ReturnType<typeof useCursors>; pageInfo?: { endCursor: string | null; hasNextPage: boolean } }) {
  return (
    <nav aria-label={label} class="pager">
      <button type="button" disabled={cursors.page === 1} onClick={cursors.back}>Newer {noun}</button>
      <button type="button" disabled={!pageInfo?.hasNextPage} onClick={() => cursors.on(pageInfo?.endCursor ?? null)}>Older {noun}</button>
    </nav>
  );
}
