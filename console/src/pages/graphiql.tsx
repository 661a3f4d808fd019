import { useState } from 'preact/hooks';

// a small GraphQL explorer: same endpoint, same session, so the same powers as the token
export function GraphiqlPage() {
  const [query, setQuery] = useState('{\n  me { role tenant { slug name } }\n}');
  const [variables, setVariables] = useState('{}');
  const [result, setResult] = useState('');
  async function run(e: Event) {
    e.preventDefault();
    let vars: unknown;
    try {
      vars = JSON.parse(variables || '{}');
    } catch {
      return setResult('The variables are not valid JSON.');
    }
    const res = await fetch('/graphql', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables: vars }) });
    setResult(JSON.stringify(await res.json(), null, 2));
  }
  return (
    <>
      <h1>GraphQL</h1>
      <p class="hint">Runs against this hub's /graphql with your session's token. Ctrl+Enter runs the query.</p>
      <form onSubmit={run}>
        <label for="query">Query</label>
        <textarea id="query" rows={12} spellcheck={false} value={query} onInput={(e) => setQuery(e.currentTarget.value)}
          onKeyDown={(e) => { if (e.key === 'Enter' && e.ctrlKey) { e.preventDefault(); e.currentTarget.form?.requestSubmit(); } }} />
        <label for="variables">Variables (JSON)</label>
        <textarea id="variables" rows={3} spellcheck={false} value={variables} onInput={(e) => setVariables(e.currentTarget.value)} />
        <button type="submit">Run</button>
      </form>
      <h2>Result</h2>
      <pre aria-live="polite" data-testid="result" tabIndex={0}>{result}</pre>
    </>
  );
}
