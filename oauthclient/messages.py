"""Every user-facing text of the dashboard, as constants that views and tests share.

Messages that carry the server's error code are templates with `{code}` and
`{description}`; `errors.OAuthClientError` fills them in.
"""

from .models import CallbackKnowledge

# Connect (authorization request and callback)
CONNECTED = "Connected: the portal holds an access token for this client."
CREDENTIAL_NOT_USABLE = "This credential is not active any more: pick an active one."
CALLBACK_NOT_REGISTERED = (
    "The portal's callback URL {callback_url} is not among the redirect URIs recorded for this "
    "registration, so the portal does not know whether the authorization server will send you back "
    "here. If the client was registered with it at the server, say so below and connect directly; "
    "otherwise use the manual path: open the authorize URL with one of the client's registered redirect "
    "URIs, and paste the full URL your browser lands on."
)
CALLBACK_STATED = (
    "Noted: the portal's callback URL is registered for this client at the server. If the server "
    "refuses it after all, it shows its own error page and does not send you back; use the manual "
    "path then."
)
CALLBACK_KNOWLEDGE = {
    CallbackKnowledge.SANDBOX: (
        "Registered: the sandbox registers the portal's callback URL with every client it issues."
    ),
    CallbackKnowledge.IN_REGISTRATION: "Registered: the callback URL is one of this registration's redirect URIs.",
    CallbackKnowledge.STATED: "Registered at the server, as a developer stated.",
    CallbackKnowledge.OBSERVED: "Registered at the server: it has sent a browser back to it for this client.",
    CallbackKnowledge.UNKNOWN: (
        "Not among the registration's redirect URIs; whether the server accepts it is not known."
    ),
}
CALLBACK_NOT_CONFIRMED = "Tick the box to state that the callback URL is registered at the server."
SCOPE_NOT_REGISTERED = "These scopes are not among the registration's: {scopes}."
SCOPE_NONE_CHOSEN = "Choose at least one of the registration's scopes."
REDIRECT_URI_NOT_REGISTERED = "That redirect URI is not one of this client's registered redirect URIs."
STATE_INVALID = (
    "This answer from the authorization server does not belong to a connection you started in this "
    "browser session (unknown, re-used or expired state). Nothing was saved: start connecting again."
)
ISSUER_MISMATCH = (
    "The answer names a different authorization server (iss {iss}) than the one this connection was "
    "started with ({expected}). Nothing was saved: start connecting again."
)
ISSUER_MISSING = (
    "The answer carries no iss parameter, although the server's metadata says it always sends one "
    "(authorization_response_iss_parameter_supported, RFC 9207); it may come from a different server "
    "than {expected}. Nothing was saved: start connecting again."
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
REFRESH_CLIENT_REFUSED = (
    "The authorization server refused the client's credentials when refreshing (invalid_client): the "
    "client secret recorded for this credential looks wrong (or its auth method). The refresh token was "
    "not used and is kept: once a partner manager records the current secret, refresh again."
)
NO_INTROSPECTION = "{server} has no token introspection."
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
MONITORING_ON = "Monitoring is on: the scheduled probe makes GET {path}."
MONITORING_OFF = "Monitoring is off."

# Test calls
TEST_CALL_DONE = "Test call answered HTTP {status} in {duration_ms} ms."
TEST_CALL_NOT_OK = "Test call failed: the API answered HTTP {status} in {duration_ms} ms."
TEST_CALL_FAILED = "Test call failed: {reason}"
PATH_REFUSED = (
    "That path is refused: a custom path must start with a single “/” and stay on {api_base}; "
    "absolute URLs, “//host”, “..”, “@”, backslashes, spaces and control characters are not allowed."
)
METHOD_INVALID = "Choose one of {methods}."
BODY_NOT_ALLOWED = (
    "A {method} request carries no body here: choose POST, PUT, PATCH or DELETE, or empty the body."
)
BODY_TOO_LARGE = "The body is larger than {limit_kib} KiB, the most the console sends."
BODY_NOT_JSON = "The body is not valid JSON ({reason}); nothing was sent."
ROWS_TOO_MANY = "At most {max} rows."
ROW_TOO_LONG = "The row “{name}” needs a name, and names and values must stay under {max} characters."
HEADER_NAME_INVALID = "“{name}” is not a valid header name (letters, digits and !#$%&'*+.^_`|~- only)."
HEADER_FORBIDDEN = (
    "The header “{name}” cannot be set: the portal sends the token, the host, cookies and the "
    "connection headers itself."
)
HEADER_VALUE_INVALID = (
    "The value of “{name}” contains a control character (such as a line break): a header value is "
    "one line of text."
)
HEADER_VALUE_SPACE = (
    "The value of “{name}” starts or ends with whitespace (a space, a tab…), which a header cannot "
    "carry: remove it."
)
HEADER_VALUE_NOT_LATIN1 = (
    "The value of “{name}” holds “{character}”, which a header cannot carry: header values are sent "
    "as ISO-8859-1 (Latin-1) bytes. Put it in the query or the body, or percent-encode it."
)
ROW_UNSTORABLE = "“{name}”: {reason}"
PRODUCTION_NOT_CONFIRMED = (
    "This {method} goes to Pleo production and changes data in a real company: tick the confirmation "
    "to send it."
)
CALL_ID_INVALID = "That is not the number of a test call."
COMPARE_INVALID = "Choose two test calls of this connection to compare."
SERVER_METADATA_READ = "{server}'s metadata was read again from {url}."
SERVER_METADATA_NONE = "{server}: {problem}."
PATH_REQUIRED = "Enter a path for the custom call, e.g. /v1/introspect."
PATH_PLACEHOLDER = "Replace {placeholders} in the path with a value; nothing was sent."

# Test-call retention
TEST_CALLS_KEPT_NOTE = (
    "Kept per connection: the newest {kept} test calls, none older than {days} days, and always the "
    "connection's newest successful call (the readiness report's staging evidence). The rest is "
    "deleted as calls are recorded (calls beyond the count {batch} at a time), and daily by "
    "manage.py purge_test_calls."
)
TEST_CALLS_PURGED = (
    "Deleted {total} test call(s) of {connections} connection(s): {by_age} older than {days} days, "
    "{by_count} beyond the newest {kept} of a connection; {skipped} connection(s) held by another job."
)
TEST_CALL_DAYS_BELOW_EVIDENCE = (
    "PORTAL_TEST_CALLS_KEPT_DAYS ({days}) is below PORTAL_STAGING_EVIDENCE_DAYS ({evidence}): test "
    "calls the readiness report counts as staging evidence would be deleted. Keep at least "
    "{evidence} days."
)
TEST_CALLS_KEPT_NONE = (
    "PORTAL_TEST_CALLS_KEPT ({kept}) must be at least 1: the newest test call is always kept."
)

# The operation picker
OPERATION_UNKNOWN = "No operation of the catalog is called “{key}”."
OPERATION_NEEDS_SCOPE = "needs scope {scope}"

# The scope check
SCOPE_CHECK_DONE = "Scope check: {passed} of {exercised} exercised scopes passed."
SCOPE_CHECK_NO_SCOPES = "This connection was granted no scope, so there is nothing to check."
SCOPE_NO_OPERATION = "no operation documents this scope"
SCOPE_NOT_EXERCISED = "granted, not exercised: write scopes are exercised on the sandbox only"
SCOPE_READ_PASSED = "the server answered the smallest page"
SCOPE_WRITE_PASSED = "created {resource} {id} and deleted it"
SCOPE_REFUSAL_PASSED = (
    "no operation deletes what this scope creates, so the sandbox was sent an empty body: it checked "
    "the scope, then refused the body (HTTP 400); nothing was written"
)
SCOPE_CALL_FAILED = "HTTP {status}: {reason}"
SCOPE_CREATED_NO_ID = "created a {resource}, but its answer names no ID to delete it by"
SCOPE_NOT_DELETED = "created {resource} {id}, but deleting it failed ({reason}): delete it by hand"
SCOPE_COMPANY_UNKNOWN = (
    "the operation names the company, and GET /v1/introspect did not say which it is ({reason})"
)

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

# The contract verdict
CONTRACT_MATCHES = "Matches Pleo's documents."
CONTRACT_BODY_INCOMPLETE = (
    "The answer is larger than the portal reads for a test call: its body was not judged."
)
CONTRACT_REQUEST_WARNING = "The body departs from Pleo's documents; you can send it anyway on this server:"
CONTRACT_REQUEST_REFUSED = (
    "Pleo production refuses what its documents refuse: the body departs from them, nothing was sent: "
    "{deviations}"
)
CONTRACT_REQUEST_FITS = "The body fits Pleo's documents."
