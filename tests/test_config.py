from __future__ import annotations

import pytest

from qa.config import load_settings
from qa.errors import ConfigError


def test_defaults_env_and_toml(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_settings().top_k == 5
    (tmp_path / "qa.toml").write_text('top_k = 7\n[ranking]\nlexical_weight = 0.25\n', encoding="utf-8")
    s = load_settings()
    assert s.top_k == 7 and s.ranking.lexical_weight == 0.25
    monkeypatch.setenv("QA_TOP_K", "3")
    monkeypatch.setenv("QA_RANKING__NOTE_WEIGHT", "0.5")
    s = load_settings()
    assert s.top_k == 3 and s.ranking.note_weight == 0.5 and s.ranking.lexical_weight == 0.25
    assert load_settings(top_k=9).top_k == 9


@pytest.mark.parametrize(
    "content, message",
    [("top_k = 0\n", "top_k"), ("topk = 3\n", "topk"), ("top_k = [\n", "Cannot read settings")],
)
def test_bad_config_files(tmp_path, monkeypatch, content, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "qa.toml").write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_settings()


def test_named_config_file_must_exist(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings()
