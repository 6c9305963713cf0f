from django.urls import path

from . import views, views_monitoring, views_scope_check

app_name = "oauthclient"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("connect/", views.connect, name="connect"),
    path("callback/", views.callback, name="callback"),
    path("credentials/<int:credential_id>/manual/", views.manual, name="manual"),
    path(
        "credentials/<int:credential_id>/callback-registered/",
        views.callback_statement,
        name="callback_statement",
    ),
    path("manual/complete/", views.manual_complete, name="manual_complete"),
    path("connections/<int:pk>/", views.connection_detail, name="connection"),
    path("connections/<int:pk>/refresh/", views.connection_refresh_now, name="refresh"),
    path("connections/<int:pk>/introspect/", views.connection_introspect_now, name="introspect"),
    path("connections/<int:pk>/disconnect/", views.connection_disconnect_now, name="disconnect"),
    path("connections/<int:pk>/test-call/", views.test_call, name="test_call"),
    path(
        "connections/<int:pk>/test-calls/<int:call_id>/again/", views.test_call_again, name="test_call_again"
    ),
    path("connections/<int:pk>/compare/", views.compare, name="compare"),
    path("connections/<int:pk>/server/refresh/", views.server_refresh, name="server_refresh"),
    path("connections/<int:pk>/monitoring/", views_monitoring.monitoring, name="monitoring"),
    path("connections/<int:pk>/scope-check/", views_scope_check.scope_check, name="scope_check"),
]
