from django.contrib import admin
from django.urls import include, path

from . import views

admin.site.site_header = "Partner Registration Portal"
admin.site.site_title = "Partner Registration Portal"
admin.site.index_title = "Registrations, credentials and audit"
# The index with the partner managers' work queue (portal/work_queue.py).
admin.site.index_template = "portal/admin_index.html"

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
    path("dashboard/", include("oauthclient.urls")),
    path("", include("sandbox.urls")),
]
