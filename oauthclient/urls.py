from django.urls import path

from .views import connect, connection, console, monitoring, scope_check

app_name = "oauthclient"

urlpatterns = [
    path("", connect.dashboard, name="dashboard"),
    path("connect/", connect.connect, name="connect"),
    path("callback/", connect.callback, name="callback"),
    path("credentials/<int:credential_id>/manual/", connect.manual, name="manual"),
    path(
        "credentials/<int:credential_id>/callback-registered/",
        connect.callback_statement,
        name="callback_statement",
    ),
    path("manual/complete/", connect.manual_complete, name="manual_complete"),
    path("connections/<int:pk>/", connection.connection_detail, name="connection"),
    path("connections/<int:pk>/refresh/", connection.connection_refresh_now, name="refresh"),
    path("connections/<int:pk>/introspect/", connection.connection_introspect_now, name="introspect"),
    path("connections/<int:pk>/disconnect/", connection.connection_disconnect_now, name="disconnect"),
    path("connections/<int:pk>/server/refresh/", connection.server_refresh, name="server_refresh"),
    path("connections/<int:pk>/test-call/", console.test_call, name="test_call"),
    path(
        "connections/<int:pk>/test-calls/<int:call_id>/again/",
        console.test_call_again,
        name="test_call_again",
    ),
    path("connections/<int:pk>/compare/", console.compare, name="compare"),
    path("connections/<int:pk>/monitoring/", monitoring.monitoring, name="monitoring"),
    path("connections/<int:pk>/scope-check/", scope_check.scope_check, name="scope_check"),
]
