"""Write operations (HackSoft style): keyword-only functions named <entity>_<action>.

connection.py: start (authorize URL), complete (callback or pasted URL), refresh,
               introspect, disconnect.
test_call.py:  run a GET against the server's API and keep it as a TestCall.
"""
