// A real OpenID Connect provider (the npm oidc-provider package) for the console's sign-in test: an
// agency's identity provider on a loopback port. Its development login form accepts any login (the
// account id) with any password; `accounts` are the people it knows, with the claims it vouches for.
// Started by test/console/oidc-sign-in.spec.ts as a child process (the package is ESM only):
//   node oidc-provider.mjs '{"name": "metro", "clientId": "...", "redirectUri": "...", "postLogoutRedirectUri": "...", "accounts": {"badge-4411": {"name": "...", "amr": ["pwd", "otp"]}}}'
// It prints one JSON line {"issuer": "..."} when it is listening. `npm run demo:idp` starts it too, with a
// fixed "port" and both of the hub's names in "redirectUri" / "postLogoutRedirectUri" (a string or a list).
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const { clientId, redirectUri, postLogoutRedirectUri, accounts, name = 'idp', port = 0 } = JSON.parse(process.argv[2]);
const server = createServer();
// named localhost (the hub is reached at 127.0.0.1): another site, as an agency's provider is
await new Promise((ok) => server.listen(port, ok));
const issuer = `http://localhost:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    token_endpoint_auth_method: 'none', // a public client: PKCE, no secret
    redirect_uris: [redirectUri].flat(),
    post_logout_redirect_uris: [postLogoutRedirectUri].flat(),
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  pkce: { required: () => true },
  // the defaults, plus amr: the methods a person signed in with (RFC 8176), in the ID token
  claims: { acr: null, sid: null, auth_time: null, iss: null, openid: ['sub', 'amr'] },
  // two providers on localhost share its cookies: each its own names
  cookies: { keys: [`${name}-cookie-key`], names: { session: `${name}_session`, interaction: `${name}_interaction`, resume: `${name}_resume` } },
  // the login is the subject; a login it does not list is still a person it signs in, with no other claim
  async findAccount(_ctx, id) {
    const { amr: _methods, ...claims } = accounts[id] ?? {};
    return { accountId: id, claims: async () => ({ ...claims, sub: id }) };
  },
});
// an account's `amr` (RFC 8176 methods, e.g. ["pwd", "otp"]) goes into its ID tokens as the methods it signed in with
const loginAccount = provider.Session.prototype.loginAccount;
provider.Session.prototype.loginAccount = function (details) {
  return loginAccount.call(this, { ...details, amr: details.amr ?? accounts[details.accountId]?.amr });
};
provider.on('server_error', (_ctx, err) => console.error('oidc-provider server_error', err));
server.on('request', provider.callback());
console.log(JSON.stringify({ issuer }));
