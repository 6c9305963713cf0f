"""Partner registrations: OAuth 2.0 client registrations with Pleo, the scope catalog, the
credentials Pleo issues, and everything done with them. Imports only core (the layers).

Packages:
- validators/:  every rule a registration and a credential must pass
- services/:    the writes (registrations, credentials, deadlines, link checks, promotion)
- admin/:       the partner managers' pages
- exports/:     every export format, and the one table of them
- links/:       the link check of one URL (reachable, a logo Pleo accepts), safe against SSRF
- management/:  the commands (import, export, check_links, readiness_report, send_reminders)

Modules:
- models.py, choices.py: the models and their choices
- fields.py:         the registration's fields, described once (form, rules, codec, exports)
- forms.py:          the admin form for a registration, and the storable-text rule of every form
- metadata.py:       the RFC 7591 codec (import, export, the sandbox's dynamic registration)
- importing.py:      importing RFC 7591 documents, all or nothing
- selectors.py:      the reads the rules need (the scope catalog, a validation report)
- deadlines.py:      Pleo's calendar: shared, retrieval due, overdue
- promotion.py:      what of a staging registration carries over to production
- readiness.py:      the readiness report of a production registration
- notifications.py:  the emails about registrations
- fingerprints.py:   the non-secret fingerprint of a client secret
- signals.py:        the signals apps above subscribe to
- examples.py:       the Example Client
"""
