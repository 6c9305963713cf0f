"""Write operations (HackSoft style): keyword-only functions named <entity>_<action>.

authorization.py:       start a connection (the authorize URL: state, PKCE S256) and complete
                        it from the callback or a pasted landing URL.
callback.py:            what the portal knows about its callback URL at a client's server
                        (CallbackKnowledge), and a developer's statement of it.
tokens.py:              refresh, introspection, revocation and disconnect; what a connection
                        stores from a token answer.
credential_guard.py:    the refusal of a revoked or superseded credential, before any action.
disabled_credential.py: forget (and revoke) a connection's tokens when its credential is disabled.
test_call.py:           the console's request rules, and sending a request to the server's API
                        with a connection's token, kept as a TestCall with its exchanges.
scope_check.py:         prove each granted scope with the least invasive catalog operation.
monitoring.py:          monitoring on or off, and the scheduled probe of monitored connections.
_http.py:               the one place that builds Authlib's requests client for a credential.
"""
