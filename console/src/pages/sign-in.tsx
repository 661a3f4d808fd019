import { useState } from 'preact/hooks';

export function SignInPage({ error, onToken }: { error: string; onToken: (token: string) => void }) {
  const [token, setToken] = useState('');
  return (
    <main>
      <h1>Sign in to the frhub console</h1>
      <p>Open the link <code>npx frhub token --tenant &lt;slug&gt; --role &lt;ROLE&gt; --console</code> prints, or paste a hub token below.</p>
      <form onSubmit={(e) => { e.preventDefault(); onToken(token.trim()); }}>
        <label for="token">Hub token</label>
        <textarea id="token" name="token" rows={4} required autocomplete="off" spellcheck={false} value={token} onInput={(e) => setToken(e.currentTarget.value)} />
        <button type="submit">Sign in</button>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
    </main>
  );
}
