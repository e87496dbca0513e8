"""The rules' one-pass prefilter (Hyperscan) changes how fast the cues are found, never which."""
import json
import logging
import platform
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fakes.base import _shared_data
from workers.classifier import heads, rules, training
from workers.classifier.prefilter import Prefilter, widen


def _texts() -> list[str]:
    texts = [row["text"] for name in ("train.jsonl", "test.jsonl")
             for row in training.read_jsonl(training.DATA_DIR / name)]
    for path in sorted((_shared_data() / "public").glob("*.jsonl")):
        with path.open(encoding="utf-8") as lines:
            texts += [json.loads(line)["text"] for line in lines if line.strip()]
    return texts + [
        "Вася идиот, fuite de gaz devant l'école",                 # Cyrillic word characters
        "appelez le ١٥ vite, il ne respire plus",                   # Arabic-Indic digits (\d)
        "tél\u00a006\u00a012\u00a034\u00a056\u00a078",              # no-break spaces (\s)
        "06\u202812\u202834\u202856\u202878",                         # line separators (\s)
        "carte ١٢٣٤ ٥٦٧٨ ٩٠١٢ ٣٤٥٦",                                 # Arabic-Indic digits (\d)
        "écrivez à вася@почта.рф",                                    # Cyrillic e-mail (\w)
        "incendie\u2028à la mairie", "IBAN FR76\u20033000 6000 0112 3456 7890 189",
        "", "!", "🔥🔥🔥", "x" * 3000, "surrogate \ud800 fuite de gaz",
    ]


TEXTS = _texts()


def _matching(text: str) -> set:
    folded = rules.fold(text)
    return {rx for rx in rules.PREFILTER.patterns if rx.search(folded)}


@pytest.mark.skipif(platform.machine() != "x86_64", reason="hyperscan is installed on x86-64 only")
def test_the_prefilter_runs_on_x86_64():
    assert rules.PREFILTER.prepare()
    assert rules.PREFILTER.active
    assert rules.PREFILTER.candidates("merci pour la fête") is not None
    assert len(rules.PREFILTER.patterns) >= 40


def test_every_pattern_that_matches_is_a_candidate():
    assert len(TEXTS) > 6000
    missed = []
    for text in TEXTS:
        may = rules.PREFILTER.candidates(rules.fold(text))
        if may is None:
            continue
        missed += [(text[:60], rx.pattern[:40]) for rx in _matching(text) - set(may)]
    assert missed == []


def test_the_prefilter_leaves_most_patterns_out():
    folded = [rules.fold(t) for t in TEXTS[:2000]]
    if rules.PREFILTER.candidates(folded[0]) is None:
        pytest.skip("no hyperscan on this machine: every pattern runs")
    average = sum(len(rules.PREFILTER.candidates(f)) for f in folded) / len(folded)
    assert average < 4, average  # of 41


def test_cues_and_features_are_the_same_without_it():
    with_it = [(rules.scan(t), rules.features(t, rules.scan(t))) for t in TEXTS]
    rules.PREFILTER.enabled = False
    try:
        without = [(rules.scan(t), rules.features(t, rules.scan(t))) for t in TEXTS]
    finally:
        rules.PREFILTER.enabled = True
    assert with_it == without
    assert sum(bool(cues) for cues, _ in with_it) > 1000  # the comparison covers real cues


_FRAGMENTS = ["fuite", " de ", "gaz", "feu", "incendie", " ", "'", "06 12 34 56 78", "@", "mairie.fr",
              "bit.ly/", "x", "é", "Ж", "\u00a0", "\u2003", "١", "€", "15", "!", "\n", "je vais te ",
              "tuer", "merci", "nul", "http://", "rue ", "12 ", "connard", "urgent", "iban fr76 ",
              "3000 ", "🔥", "ne respire plus", "gagnez 500€ par jour"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS) | st.text(max_size=3), max_size=25).map("".join))
def test_any_text_any_pattern(text):
    may = rules.PREFILTER.candidates(rules.fold(text))
    if may is not None:
        assert _matching(text) <= set(may)


def test_a_text_hyperscan_cannot_read_is_scanned_in_full():
    text = "fuite de gaz \ud800"
    assert rules.PREFILTER.candidates(rules.fold(text)) is None
    assert [c.label for c in rules.scan(text)] == ["gas leak"]  # every pattern ran


def test_widen_admits_what_pythons_unicode_classes_admit():
    assert widen(r"\bab\w+") == r"ab[a-zA-Z0-9_\x{80}-\x{10FFFF}]+"
    assert widen(r"[\w.+\-]+@") == r"[a-zA-Z0-9_\x{80}-\x{10FFFF}.+\-]+@"
    assert widen(r"a\sb\dc") == r"a[\x09-\x0d\x1c-\x20\x{80}-\x{10FFFF}]b[0-9\x{80}-\x{10FFFF}]c"
    assert widen(r"\$\d+\.") == r"\$[0-9\x{80}-\x{10FFFF}]+\."
    assert widen(r"[]a]") == r"[\]a]"
    for bad in (r"[^\w]", r"[\b]", r"(?i)abc", r"(a)\1", "abc\\"):
        with pytest.raises(ValueError):
            widen(bad)


def test_a_pattern_it_cannot_widen_always_runs():
    negated, plain = re.compile(r"[^\w\s]{3}"), re.compile(r"\bchat\b")
    prefilter = Prefilter([negated, plain])
    may = prefilter.candidates("rien")
    if may is None:
        pytest.skip("no hyperscan on this machine")
    assert may == {negated}
    assert prefilter.candidates("un chat") == {negated, plain}


def test_a_database_that_does_not_compile_runs_every_pattern(caplog):
    prefilter = Prefilter([re.compile(r"a{2,100000}"), re.compile("b")])
    with caplog.at_level(logging.INFO, logger="workers.classifier.prefilter"):
        assert prefilter.candidates("b") is None
    assert not prefilter.active
    assert any("prefilter" in r.message or "hyperscan" in r.message for r in caplog.records)


def test_hashed_rows_are_the_ones_the_heads_were_trained_on():
    for text in [t for t in TEXTS[::7] + TEXTS[-10:] if "\ud800" not in t]:
        fast, reference = heads.hashed_row(text), heads.hashed_row_reference(text)
        assert fast[0].tolist() == reference[0].tolist(), text
        assert fast[1].tolist() == pytest.approx(reference[1].tolist()), text
