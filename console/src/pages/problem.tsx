import { explain } from './words';

/** An API refusal on the page: what happened in words, the hub's own message, and its code. */
export function Problem({ error }: { error: unknown }) {
  if (!error) return null;
  const { title, message, code } = explain(error);
  return (
    <div class="error" role="alert">
      <p><strong>{title}</strong> <span class="code">({code})</span></p>
      <p>{message}</p>
    </div>
  );
}
