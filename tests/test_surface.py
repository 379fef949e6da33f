from __future__ import annotations

import re
from pathlib import Path

from conftest import ROOT

import qa


def test_all_is_sorted_and_complete():
    assert qa.__all__ == sorted(qa.__all__, key=str)
    for name in qa.__all__:
        assert hasattr(qa, name)


def test_every_setting_is_documented_in_the_readme():
    from qa.config import Settings

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, field in Settings.model_fields.items():
        assert f"QA_{name.upper()}" in readme, name
        sub = getattr(field.annotation, "model_fields", None)
        if sub:
            for inner in sub:
                assert f"QA_{name.upper()}__{inner.upper()}" in readme, f"{name}.{inner}"


def test_no_pickle_anywhere():
    for path in Path(qa.__file__).parent.glob("*.py"):
        src = path.read_text(encoding="utf-8")
        assert not re.search(r"\bimport pickle\b|allow_pickle=True", src), path.name
