"""Write operations (HackSoft style): keyword-only functions named <entity>_<action>.

registration.py: create, update, status transitions.
credential.py:   record, rotate, revoke, disclose (reveal) a credential.
deadlines.py:    record when Pleo shared the credentials.
promotion.py:    promote an active staging registration to a production draft.
link_checks.py:  claim, check and record a registration's links.
history.py:      who made a change, for the history.
"""
