from __future__ import annotations

import pytest

from qa.errors import QuestionFileError
from qa.evaluation.questions import BadLine, EvalQuestion, read_questions


def test_jsonl_with_bad_lines_keeps_positions(tmp_path):
    f = tmp_path / "q.jsonl"
    f.write_text(
        '{"id": "a", "question": "Who?", "evidence": ["x y"], "footnotes": [4, "*"]}\n'
        "not json\n"
        "\n"
        '["a list"]\n'
        '{"question": "   "}\n'
        '{"question": "Where?", "colour": "red"}\n',
        encoding="utf-8",
    )
    items, warnings = read_questions(f)
    assert isinstance(items[0], EvalQuestion) and items[0].footnotes == ["4", "*"]
    assert [type(i).__name__ for i in items] == ["EvalQuestion", "BadLine", "BadLine", "BadLine", "EvalQuestion"]
    assert items[1].message.startswith("line 2: not valid JSON")
    assert items[2].message.startswith("line 4: expected a JSON object")
    assert items[3].message == "line 5: no question"
    assert items[4].id == "6"  # no id: its line number
    assert warnings == ["unknown field(s) ignored: colour"]


def test_csv_lists_and_unknown_columns(tmp_path):
    f = tmp_path / "q.csv"
    f.write_text(
        "question,evidence,footnotes,extra\n"
        '"Who, really?",first quote || second quote,4 || *,1\n'
        ",,,\n",
        encoding="utf-8",
    )
    items, warnings = read_questions(f)
    q = items[0]
    assert q.question == "Who, really?" and q.evidence == ["first quote", "second quote"] and q.footnotes == ["4", "*"]
    assert isinstance(items[1], BadLine) and items[1].message == "row 2: no question"
    assert warnings == ["unknown column(s) ignored: extra"]


@pytest.mark.parametrize(
    "name, content, message",
    [("e.jsonl", "", "is empty"), ("h.csv", "a,b\n1,2\n", "no 'question' column"), ("b.jsonl", b"\xff\xfe", "not UTF-8")],
)
def test_unusable_files(tmp_path, name, content, message):
    f = tmp_path / name
    f.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(QuestionFileError, match=message):
        read_questions(f)


def test_missing_file(tmp_path):
    with pytest.raises(QuestionFileError, match="Cannot read"):
        read_questions(tmp_path / "nope.jsonl")


def test_shared_sample_files_parse_alike():
    from conftest import shared_file

    j, wj = read_questions(shared_file("samples", "sample_questions.jsonl"))
    c, wc = read_questions(shared_file("samples", "sample_questions.csv"))
    assert [q.question for q in j] == [q.question for q in c]
    assert all(isinstance(q, EvalQuestion) for q in j + c)
