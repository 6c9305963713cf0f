"""Every module of the project's apps stays short enough to read in one sitting: a module that
grows past the limit is split along its seams (as registrations/admin/ and oauthclient/views/ were)."""

from __future__ import annotations

from tests.project import BASE_DIR, PROJECT_APPS

MAX_MODULE_LINES = 450


def _product_modules():
    for app in PROJECT_APPS:
        for path in sorted((BASE_DIR / app).rglob("*.py")):
            # Migrations are generated, and read one operation at a time.
            if "migrations" not in path.relative_to(BASE_DIR).parts:
                yield path


def test_the_apps_have_modules_to_measure():
    assert len(list(_product_modules())) > 50


def test_no_module_of_the_apps_is_longer_than_the_limit():
    too_long = {
        str(path.relative_to(BASE_DIR)): lines
        for path in _product_modules()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }

    assert too_long == {}
