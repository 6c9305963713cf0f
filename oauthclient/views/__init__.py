"""The developer dashboard: thin views over oauthclient.services.

access.py:      who may use the dashboard (a permission), the 503 page when the database
                fails, and the lookups every view shares (own connection, usable credential).
connect.py:     the dashboard, connecting (authorization request and callback), the manual
                path (paste the landing URL) and the callback statement.
connection.py:  the connection page and its actions: refresh, introspect, disconnect,
                read the server's metadata again.
console.py:     the console: send a test call, send a kept one again, compare two.
monitoring.py:  monitoring on or off.
scope_check.py: run the scope check.
"""
