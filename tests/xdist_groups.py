"""A plugin (tests/conftest.py loads it): pytest-xdist's groups, on pytest 9."""

from __future__ import annotations

import pytest


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`--dist loadgroup` sends the tests whose node id ends in `@group` to one worker.
    pytest-xdist 3.8 writes that suffix where pytest 9 no longer reads it (`_nodeid`);
    on a worker it is written here where it counts, once pytest-xdist's hook has run."""
    if not getattr(config.option, "loadgroup", False):
        return
    from _pytest.nodeid import NodeId

    for item in items:
        groups = {
            str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
            for mark in item.iter_markers("xdist_group")
        }
        if groups and "@" not in item.nodeid and hasattr(item, "_id"):
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(sorted(groups))}")
