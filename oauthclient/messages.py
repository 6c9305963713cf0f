"""Every user-facing text of the dashboard, as constants that views and tests share.

Messages that carry the server's error code are templates with `{code}` and
`{description}`; `errors.OAuthClientError` fills them in.
"""

# Connect (authorization request and callback)
CONNECTED = "Connected: the portal holds an access token for this client."
CREDENTIAL_NOT_USABLE = "This credential is not active any more: pick an active one."
CALLBACK_NOT_REGISTERED = (
    "The portal's callback URL {callback_url} is not a registered redirect URI of this client, so the "
    "authorization server would refuse to send you back here. Use the manual path below: open the "
    "authorize URL with one of the client's registered redirect URIs, and paste the full URL your "
    "browser lands on."
)
REDIRECT_URI_NOT_REGISTERED = "That redirect URI is not one of this client's registered redirect URIs."
STATE_INVALID = (
    "This answer from the authorization server does not belong to a connection you started in this "
    "browser session (unknown, re-used or expired state). Nothing was saved: start connecting again."
)
ISSUER_MISMATCH = (
    "The answer names a different authorization server (iss {iss}) than the one this connection was "
    "started with ({expected}). Nothing was saved: start connecting again."
)
CODE_MISSING = "The authorization server sent you back without an authorization code. Nothing was saved."
PASTED_URL_INVALID = (
    "That does not look like the URL your browser landed on: paste the whole address, including "
    "?code=…&state=…"
)
ACCESS_DENIED = (
    "Consent was not given at the authorization server (error code {code}), so there is no connection. "
    "Nothing was saved."
)

# Token endpoint and other server answers
INVALID_GRANT = (
    "The authorization server refused the grant (error code {code}: {description}). The code or refresh "
    "token is expired, already used or revoked: connect again."
)
INVALID_CLIENT = (
    "The authorization server did not accept the client's credentials (error code {code}: "
    "{description}). Check that the client ID and secret recorded for this credential are current, and "
    "that its token endpoint auth method (Basic or POST) is the one the server expects."
)
SERVER_OAUTH_ERROR = "The authorization server answered with error code {code}: {description}."
TIMEOUT = "{server} did not answer within {timeout:g} seconds (error code {code}). Try again later."
CONNECTION_REFUSED = (
    "Could not reach {server} at {host} (error code {code}): the connection was refused or the host is "
    "unknown. Check the server's base URL setting and that the server is running."
)
CONNECTION_DROPPED = (
    "{server} at {host} closed the connection before its answer was complete (error code {code}). "
    "Try again later; if it keeps happening, the server or a proxy in front of it is failing."
)
TLS_ERROR = (
    "The secure (TLS) connection to {server} at {host} failed (error code {code}): its certificate could "
    "not be verified or it does not speak HTTPS on that address."
)
SERVER_ERROR = "{server} had an internal problem (HTTP {status}, error code {code}). Try again later."
HTTP_ERROR = "{server} answered HTTP {status} (error code {code}): {description}."
NOT_JSON = (
    "{server} answered with something that is not JSON (HTTP {status}, error code {code}); an "
    "OAuth server always answers in JSON. Check the server's base URL setting."
)
TOKEN_RESPONSE_INVALID = (
    "The token answer from {server} is missing what OAuth requires (error code {code}: {description})."
)

# Connection actions
CREDENTIAL_DISABLED = (
    "This connection's credential was {status}, so the dashboard refuses to use it. Connect with the "
    "registration's current credential."
)
CREDENTIAL_DISABLED_TOKENS_FORGOTTEN = (
    "The credential was {status}: this connection's tokens were revoked at the server where it supports "
    "revocation, and forgotten here."
)
CREDENTIAL_DISABLED_STATUS = "Credential {status}"
REFRESHED = "Tokens refreshed: a new access token and a new refresh token are stored."
NEEDS_REAUTHORIZATION = (
    "Refreshing the tokens failed, so this connection needs re-authorization: connect again. {reason}"
)
NOT_CONNECTED = "This connection is not connected: connect again to use it."
NO_REFRESH_TOKEN = "The server issued no refresh token for this connection: connect again when it expires."
DISCONNECTED_REVOKED = "Disconnected: the tokens were revoked at {server} and forgotten here."
DISCONNECTED_REVOKE_FAILED = (
    "Disconnected here: the tokens are forgotten, but revoking them at {server} failed ({reason}). They "
    "stay valid there until they expire."
)
DISCONNECTED_NO_REVOCATION = (
    "Disconnected here: the tokens are forgotten. {server} documents no revocation endpoint, so the "
    "tokens stay valid there until they expire (refresh tokens until the user removes the app's access "
    "at Pleo)."
)
INTROSPECT_DONE = "Token introspection answered by {server}."

# Test calls
TEST_CALL_DONE = "Test call answered HTTP {status} in {duration_ms} ms."
TEST_CALL_FAILED = "Test call failed: {reason}"
PATH_REFUSED = (
    "That path is refused: a custom path must start with a single “/” and stay on {api_base}; "
    "absolute URLs, “//host”, “..”, “@”, backslashes, spaces and control characters are not allowed."
)
PATH_REQUIRED = "Enter a path for the custom call, e.g. /v1/introspect."

# The portal itself
DATABASE_UNAVAILABLE = (
    "The portal's database is unavailable right now, so this request was not completed and its "
    "result was not saved. Try again in a moment."
)

# Access
DASHBOARD_FORBIDDEN = (
    "The dashboard needs the permission to use it; members of the Developers and Partner managers "
    "groups have it."
)
