from __future__ import annotations

from qa.reading.passages import split_passages


def test_passages_are_whole_sentences_within_the_token_budget(essay_doc, embedder):
    ps = split_passages(essay_doc, embedder.count_tokens, max_tokens=160, min_tokens=48)
    body = [p for p in ps if p.kind == "body"]
    starts = {s.start for s in essay_doc.sentences}
    ends = {s.end for s in essay_doc.sentences}
    for p in ps:
        assert essay_doc.text[p.start : p.end] == p.text
        assert p.start in starts and p.end in ends
        for a, b in p.sentences:
            assert p.text[a:b] == p.text[a:b].strip() and b > a
    for p in body:
        sents = [p.text[a:b] for a, b in p.sentences]
        n_tokens = sum(embedder.count_tokens(sents)) + len(sents)
        assert n_tokens <= 160 or len(sents) == 1, (p.passage_id, n_tokens)
        # what the model sees is never truncated: 256 word pieces with [CLS] and [SEP]
        assert embedder.count_tokens([p.text])[0] + 2 <= embedder.max_tokens
    # passages cover the body without overlap, in order
    for a, b in zip(body, body[1:], strict=False):
        assert a.end < b.start


def test_passage_ids_are_stable_and_pages_span_breaks(essay_doc, embedder):
    a = split_passages(essay_doc, embedder.count_tokens)
    b = split_passages(essay_doc, embedder.count_tokens)
    assert [p.passage_id for p in a] == [p.passage_id for p in b]
    assert len({p.passage_id for p in a}) == len(a)
    spanning = [p for p in a if "mental and physical state." in p.text][0]
    assert spanning.pages == [1, 2]
    assert spanning.line_start <= 43 and spanning.line_end >= 53


def test_unreferenced_note_is_its_own_passage_and_markers_travel(essay_doc, embedder):
    ps = split_passages(essay_doc, embedder.count_tokens)
    star = [p for p in ps if p.kind == "note"]
    assert [p.passage_id for p in star] == ["serbia-russia-kosovo#note-*"]
    assert star[0].text.startswith("Dragan Vuksic") and star[0].notes == ["*"] and star[0].pages == [1]
    p4 = [p for p in ps if any(m.label == "4" for m in p.markers)][0]
    m = [m for m in p4.markers if m.label == "4"][0]
    assert p4.text[:m.offset].endswith("not the Intelligence Service.")
    assert p4.notes == ["4"]


def test_heading_opens_the_next_passage(essay_doc, embedder):
    ps = split_passages(essay_doc, embedder.count_tokens)
    assert ps[0].text.startswith("Serbia – Russia Military Political Relations")
    conc = [p for p in ps if p.text.startswith("Conclusion and future")]
    assert conc and "If we exclude the indirect connection" in conc[0].text


def test_smaller_budget_gives_more_passages(essay_doc, embedder):
    small = split_passages(essay_doc, embedder.count_tokens, max_tokens=64, min_tokens=0)
    large = split_passages(essay_doc, embedder.count_tokens, max_tokens=240, min_tokens=0)
    assert len(small) > len(large)
