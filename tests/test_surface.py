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
    for path in Path(qa.__file__).parent.rglob("*.py"):
        src = path.read_text(encoding="utf-8")
        assert not re.search(r"\bimport pickle\b|allow_pickle=True", src), path.name


def _readme_settings() -> dict[str, str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(QA_[A-Z0-9_]+)` \| (.+?) \| .+ \|$", readme, flags=re.M)
    return {name: default.strip() for name, default in rows}


def _cell(value: object) -> object:
    """A default as the README's table writes it, parsed back to a value."""
    import json

    text = str(value).strip()
    if text.startswith("`") and text.endswith("`"):
        text = text[1:-1]
    try:
        return json.loads(text)
    except ValueError:
        return text


def test_the_readme_settings_table_gives_the_real_defaults():
    from qa.config import Settings

    table = _readme_settings()
    defaults = Settings.model_construct()
    checked = 0
    for name, field in Settings.model_fields.items():
        groups = getattr(field.annotation, "model_fields", None)
        pairs = ([(f"QA_{name.upper()}__{k.upper()}", getattr(getattr(defaults, name), k)) for k in groups]
                 if groups else [(f"QA_{name.upper()}", getattr(defaults, name))])
        for var, value in pairs:
            assert var in table, var
            want = value if isinstance(value, (int, float, list)) and not isinstance(value, bool) else str(value)
            if value is None:  # threads: the library's own choice
                assert table[var] == "all cores", var
            else:
                assert _cell(table[var]) == want, (var, table[var], value)
            checked += 1
    assert checked == len(table) >= 30


def _same_as_abridged(shown: object, real: object, path: str = "") -> None:
    """``shown`` is ``real`` abridged: texts cut at "…", lists cut short, timings and scores as measured."""
    if isinstance(shown, dict):
        assert isinstance(real, dict) and set(shown) == set(real), (path, sorted(set(shown) ^ set(real)))
        for k, v in shown.items():
            if k != "took_ms":
                _same_as_abridged(v, real[k], f"{path}.{k}")
    elif isinstance(shown, list):
        assert isinstance(real, list) and 0 < len(shown) <= len(real) or shown == real == [], path
        for i, (a, b) in enumerate(zip(shown, real, strict=False)):
            _same_as_abridged(a, b, f"{path}[{i}]")
    elif isinstance(shown, str) and shown.endswith("…"):
        assert isinstance(real, str) and real.startswith(shown[:-1].rstrip()), path
    elif isinstance(shown, float):
        assert abs(shown - float(real)) < 0.02, (path, shown, real)  # scores: rounding differs by CPU
    else:
        assert shown == real, (path, shown, real)


def test_the_readme_answer_json_is_what_ask_prints(essay_engine):
    import json

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### The Answer JSON"):]
    command = re.search(r'`qa ask --json -k (\d+) "([^"]+)"`', section)
    block = re.search(r"```json\n(.*?)```", section, flags=re.S)
    assert command and block
    real = json.loads(essay_engine.ask(command.group(2), top_k=int(command.group(1))).model_dump_json())
    _same_as_abridged(json.loads(block.group(1)), real)
