from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    """Tells a first-time visitor where managers and developers go."""
    return render(request, "portal/home.html")
