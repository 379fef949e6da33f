"""The qa command, through click's CliRunner, on the real essay and model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa.cli import cli


@pytest.fixture
def run(make_settings, essay_engine, onnx_export):
    settings = make_settings()
    # reuse the session's built index and ONNX export: put them where these settings look
    import shutil

    shutil.copytree(essay_engine.settings.index_path, settings.index_path)
    (settings.index_dir / ".onnx").symlink_to(onnx_export[0] / ".onnx", target_is_directory=True)
    base = ["--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir)]

    def invoke(*args, **kw):
        return CliRunner().invoke(cli, [*base, *args], catch_exceptions=False, **kw)

    return invoke


def test_ask_json_is_the_answer_model(run):
    r = run("ask", "--json", "-k", "3", "Who said that Slovenia was being defended in Kosovo?")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["answered"] and len(data["passages"]) == 3
    assert "Milan Kucan" in data["passages"][0]["highlight"]["text"]


def test_ask_text_output(run):
    r = run("ask", "Who designed the Plan Z-4?")
    assert r.exit_code == 0
    assert "[1] serbia-russia-kosovo, p. 1" in r.output
    assert "Ambassadors of USA, Russia, France and Great Britain" in " ".join(r.output.split())


def test_ask_no_answer_says_so(run):
    r = run("ask", "What is the capital of Australia?")
    assert r.exit_code == 0 and "does not seem to answer" in r.output


@pytest.mark.parametrize("q, msg", [("", "empty"), ("  ", "empty"), ("y" * 1500, "limit is 1000")])
def test_ask_bad_question_exits_1_with_message(run, q, msg):
    r = run("ask", q)
    assert r.exit_code == 1 and msg in r.output and "Traceback" not in r.output


def test_inspect_json_shape(run):
    r = run("inspect", "--json")
    assert r.exit_code == 0
    doc = json.loads(r.output)["documents"][0]
    assert doc["doc_id"] == "serbia-russia-kosovo"
    assert {"text", "pages", "headings", "paragraphs", "footnotes", "markers", "title"} <= set(doc)
    n14 = [n for n in doc["footnotes"] if n["label"] == "14"][0]
    assert n14["missing"] and n14["text"] is None
    assert set(doc["footnotes"][0]) >= {"label", "text", "page", "source", "missing"}
    m1 = doc["markers"][0]
    assert m1["label"] == "1" and doc["text"][: m1["offset"]].endswith("also have such autonomy.")
    p = doc["paragraphs"][1]
    assert {"kind", "pages", "line_start", "line_end", "text"} <= set(p)


def test_inspect_text(run):
    r = run("inspect")
    assert r.exit_code == 0 and "MISSING" in r.output and "7 pages" in r.output


def test_eval_writes_one_line_per_input_line(run, tmp_path):
    q = tmp_path / "q.jsonl"
    q.write_text(
        '{"id": "k1", "question": "Who said that Slovenia was being defended in Kosovo?", '
        '"evidence": ["Milan Kucan, the President of Slovenia"]}\n'
        "{broken\n"
        '{"id": "k3", "question": "What is the capital of Australia?", "type": "unanswerable"}\n',
        encoding="utf-8",
    )
    out = tmp_path / "answers.jsonl"
    summary = tmp_path / "summary.json"
    csv_out, report = tmp_path / "results.csv", tmp_path / "report.html"
    r = run("eval", str(q), "--out", str(out), "--summary", str(summary), "--csv", str(csv_out), "--report", str(report))
    assert r.exit_code == 0, r.output
    import csv

    rows = list(csv.DictReader(csv_out.read_text(encoding="utf-8").splitlines()))
    assert [x["id"] for x in rows] == ["k1", "k3"] and rows[0]["rank"] == "1" and rows[1]["answered"] == "false"
    html = report.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "http" not in html.split("<body>")[0]
    assert html.index("k1:") > 0 and '<mark class="qa-highlight">' in html
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [x["id"] for x in lines] == ["k1", "2", "k3"]
    assert lines[1]["error"].startswith("line 2: not valid JSON") and lines[1]["passages"] == []
    assert lines[0]["answered"] and not lines[2]["answered"]
    assert "skipped line 2" in r.output
    s = json.loads(summary.read_text())
    assert s["hit@1"] == 1.0 and s["answered_rate_unanswerable"] == 0.0


def test_eval_strict_stops(run, tmp_path):
    q = tmp_path / "q.jsonl"
    q.write_text('{"question": "ok?"}\nnot json\n', encoding="utf-8")
    r = run("eval", str(q), "--strict")
    assert r.exit_code == 1 and "line 2" in r.output


def test_eval_empty_file(run, tmp_path):
    q = tmp_path / "q.csv"
    q.write_text("", encoding="utf-8")
    r = run("eval", str(q))
    assert r.exit_code == 1 and "is empty" in r.output


def test_missing_model_names_what_to_install(run):
    r = run("--model", "/no/such/model", "ask", "Kosovo?")
    assert r.exit_code == 1
    assert "neither a folder nor a model in the local Hugging Face cache" in r.output


def test_bad_setting_is_a_clear_error(run, monkeypatch):
    monkeypatch.setenv("QA_TOP_K", "500")
    r = run("ask", "Kosovo?")
    assert r.exit_code == 1 and "top_k" in r.output


QFILE = (
    '{"id": "a", "question": "Who said that Slovenia was being defended in Kosovo?", '
    '"evidence": ["Milan Kucan, the President of Slovenia"]}\n'
    '{"id": "b", "question": "Who designed the Plan Z-4?", "evidence": ["designed by the Ambassadors"], "footnotes": ["1"]}\n'
    "not json at all\n"
    '{"id": "d", "question": "What is the capital of Australia?", "type": "unanswerable"}\n'
)


def test_eval_out_dir_writes_every_output(run, tmp_path):
    q = tmp_path / "q.jsonl"
    q.write_text(QFILE, encoding="utf-8")
    out = tmp_path / "run"
    r = run("eval", str(q), "-o", str(out))
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == [
        "answers.jsonl", "report.html", "results.csv", "results.jsonl", "summary.json"]
    rows = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    assert [x["id"] for x in rows] == ["a", "b", "d"]
    assert rows[0]["rank"] == 1 and rows[2]["answerable"] is False
    s = json.loads((out / "summary.json").read_text())
    assert s["malformed_lines"] == 1 and s["questions"] == 3 and s["model"]
    assert s["backend"] == "onnx" and s["quantize"] == "none"  # the query path changes the figures
    assert "hit@1" in r.output and "skipped line 3" in r.output  # the summary table on the terminal


def test_interrupted_run_keeps_answers_and_resume_goes_on(essay_engine, tmp_path):
    from qa.evaluation.batch import answer_items
    from qa.evaluation.questions import read_questions

    q = tmp_path / "q.jsonl"
    q.write_text(QFILE, encoding="utf-8")
    items, _ = read_questions(q)
    answers = tmp_path / "answers.jsonl"

    def stop_after_two(done, total):
        if done >= 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        answer_items(essay_engine, items, answers_path=answers, chunk=1, on_progress=stop_after_two)
    kept = answers.read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["id"] for x in kept] == ["a", "b"]  # on disk before the interruption
    # an interruption in the middle of a line: the cut line is asked again
    answers.write_text(kept[0] + "\n" + kept[1][:40], encoding="utf-8")
    seen = []
    lines = answer_items(essay_engine, items, answers_path=answers, resume=True, on_line=seen.append)
    assert [json.loads(x)["id"] for x in lines] == ["a", "b", "3", "d"]
    assert lines[0] == kept[0]  # kept byte for byte, not asked again
    assert [json.loads(x)["id"] for x in seen] == ["b", "3", "d"]
    assert answers.read_text(encoding="utf-8").splitlines() == lines


def test_resume_refuses_answers_of_another_file(run, tmp_path):
    q = tmp_path / "q.jsonl"
    q.write_text(QFILE, encoding="utf-8")
    out = tmp_path / "answers.jsonl"
    out.write_text('{"id": "zzz", "question": "x", "answered": false, "passages": [], "took_ms": 0}\n', encoding="utf-8")
    r = run("eval", str(q), "--out", str(out), "--resume")
    assert r.exit_code == 1 and "answers another file" in r.output
    r = run("eval", str(q), "--resume")
    assert r.exit_code == 2 and "--resume needs" in r.output


def test_compare_two_runs(run, tmp_path, monkeypatch):
    q = tmp_path / "q.jsonl"
    q.write_text(QFILE, encoding="utf-8")
    assert run("eval", str(q), "-o", str(tmp_path / "A")).exit_code == 0
    monkeypatch.setenv("QA_RANKING__LEXICAL_WEIGHT", "0.0")  # dense only: another setting
    assert run("eval", str(q), "-o", str(tmp_path / "B"), "-k", "1").exit_code == 0
    monkeypatch.delenv("QA_RANKING__LEXICAL_WEIGHT")
    report = tmp_path / "cmp.html"
    r = run("eval", "--compare", str(tmp_path / "A"), str(tmp_path / "B"), "--report", str(report))
    assert r.exit_code == 0, r.output
    assert "hit@1" in r.output and "mrr@10" in r.output and "changed verdict" in r.output
    html = report.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "B − A" in html
    r = run("eval", "--compare", str(tmp_path / "A"), str(tmp_path))
    assert r.exit_code == 1 and "not a run folder" in r.output


def test_eval_writes_to_dev_null(run, tmp_path):
    """Any writable path will do, a character device included (it is written into, not replaced)."""
    import os

    q = tmp_path / "q.jsonl"
    q.write_text(QFILE, encoding="utf-8")
    r = run("eval", str(q), "--out", os.devnull, "--summary", os.devnull, "--csv", os.devnull)
    assert r.exit_code == 0, r.output
    assert Path(os.devnull).is_char_device()


def test_ask_away_from_the_corpus_says_where_it_looked_and_makes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(cli, ["ask", "Who designed the Plan Z-4?"])
    assert r.exit_code == 1
    assert f"looked for '{tmp_path / 'corpus'}'" in r.output and "QA_CORPUS_DIR" in r.output
    assert list(tmp_path.iterdir()) == []  # no index folder, no ONNX export
