"""Write operations (HackSoft style): keyword-only functions named <entity>_<action>.

registration.py: create, update, status transitions.
credential.py:   record, rotate, revoke, disclose (reveal) a credential.
"""
