"""gunicorn settings for `make serve` and production (`gunicorn -c portal/gunicorn_conf.py portal.wsgi`).

The portal calls its own sandbox over HTTP (the dashboard exchanges codes at
/sandbox/oauth/token, test calls GET /sandbox/api/...). With one single-threaded
worker that request would wait for itself forever, so workers are threaded,
there are always at least two, and a worker takes no more connections than it
has threads. Under load, size GUNICORN_WORKERS x GUNICORN_THREADS above twice
the number of concurrent requests that call the sandbox (docs/operations/deploying.md).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = max(2, int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1)))
worker_class = "gthread"
threads = max(2, int(os.environ.get("GUNICORN_THREADS", "4")))
# A gthread worker otherwise accepts up to 1,000 connections and queues them for
# its threads: the sandbox request a busy worker's own test call waits for could
# sit in that worker's queue behind it. Accepting no more than it has threads
# leaves such a request to a worker with a free thread. Keep-alive needs spare
# connection slots, so it is off (the proxy in front keeps its own).
worker_connections = threads
keepalive = 0
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
accesslog = "-"
# Query strings are left out of the access log: an OAuth callback carries a code there.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server: object) -> None:
    """Refuse to start with a broken configuration (e.g. no valid PORTAL_ENCRYPTION_KEYS).

    gunicorn never runs Django's system checks by itself; without this a missing
    key would surface only on the first request that touches a secret.
    """
    import django
    from django.core.management import call_command

    django.setup()
    call_command("check", fail_level="ERROR")
