"""Hypothesis settings and strategies for the sandbox's hostile-input tests."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.hostile_input.fuzzing import CI, text

# The suite's reproducible settings; the test client and the token are made once per
# test and serve every example alike (each example checks its own effect).
HOSTILE = settings(
    CI,
    max_examples=40,
    suppress_health_check=[*CI.suppress_health_check, HealthCheck.function_scoped_fixture],
)

# Form values travel as UTF-8, which cannot carry an unpaired surrogate.
form_text = text(surrogates=False)
# JSON carries surrogates as escapes (json.dumps writes "\ud800").
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), text())
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
