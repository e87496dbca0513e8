"""Which of many regular expressions can match a text, found in one pass (Hyperscan).

The rules (rules.py) run about 40 regexes over every message; nearly all of them find
nothing, and Python's `re` pays for each one a scan of the whole text. A Prefilter compiles
all of them into one Hyperscan database in *prefilter mode*: Hyperscan then reports a superset
of the patterns that match (lookarounds and other constructs it cannot run exactly are widened,
never narrowed), and only those are run with `re`, which decides. The cues found are the same
with and without it; tests/workers/test_rules_prefilter.py checks that on the labelled data.

Hyperscan's own `\\w`, `\\d`, `\\s` and `\\b` are ASCII, where Python's are Unicode. Before
compiling, `widen` rewrites each pattern so that Hyperscan's version matches at least what
Python's does: `\\w`, `\\d` and `\\s` also take any non-ASCII character, `\\b` and `\\B` are
dropped (an assertion removed only admits more). Hyperscan's Unicode mode would do the same
job exactly but compiles five times slower (9.6 s against 0.7 s for the rules).

Without Hyperscan (not installed: it is an x86-64 dependency; a pattern it refuses; a text
that is not valid UTF-8), `candidates` returns None and every pattern is run, as before.
"""
from __future__ import annotations

import logging
import re
import threading
from typing import Sequence

log = logging.getLogger(__name__)

_WIDE = "\\x{80}-\\x{10FFFF}"
_CLASS_BODY = {"w": "a-zA-Z0-9_" + _WIDE, "d": "0-9" + _WIDE, "s": "\\x09-\\x0d\\x1c-\\x20" + _WIDE}


def widen(pattern: str) -> str:
    """`pattern` rewritten for Hyperscan so that it matches at least what Python's `re` does.

    Raises ValueError for what this rewrite cannot widen (a Unicode class inside a negated
    character class); that pattern is then left out of the prefilter and always run.
    """
    out, i, in_class, negated = [], 0, False, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            if i + 1 >= len(pattern):
                raise ValueError("pattern ends with a backslash")
            esc = pattern[i + 1]
            if esc in _CLASS_BODY:
                if negated:
                    raise ValueError(f"\\{esc} inside a negated character class")
                out.append(_CLASS_BODY[esc] if in_class else f"[{_CLASS_BODY[esc]}]")
            elif esc in "bB":
                if in_class:  # [\b] is a backspace in Python
                    raise ValueError("\\b inside a character class")
                # a word boundary: dropped, so the widened pattern admits every position
            elif esc.isdigit() or esc in "NpPgZA":
                raise ValueError(f"\\{esc} has no Hyperscan equivalent here")
            else:
                out.append(pattern[i:i + 2])
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class, negated = True, pattern.startswith("^", i + 1)
            start = i + (2 if negated else 1)
            out.append(pattern[i:start])
            if pattern.startswith("]", start):  # a ']' first in a class is a literal
                out.append("\\]")
                start += 1
            i = start
            continue
        if ch == "]" and in_class:
            in_class = negated = False
        elif ch == "(" and pattern.startswith("(?", i) and not in_class:
            flag = pattern[i + 2:i + 3]
            if flag in ("a", "i", "L", "m", "s", "u", "x", "-"):
                raise ValueError("inline flags are not supported by the prefilter")
        out.append(ch)
        i += 1
    if in_class:
        raise ValueError("unterminated character class")
    return "".join(out)


class Prefilter:
    """candidates(text): the patterns that may match `text`, or None when every one must run."""

    def __init__(self, patterns: Sequence[re.Pattern]):
        self.patterns = tuple(patterns)
        self.enabled = True
        self._db = None
        self._ids: list[int] = []  # database id -> index in self.patterns
        self._always: frozenset = frozenset()  # patterns left out of the database: always run
        self._state = "new"  # new | ready | unavailable
        self._lock = threading.Lock()
        self._local = threading.local()

    @property
    def active(self) -> bool:
        return self.enabled and self.prepare()

    def prepare(self) -> bool:
        """Compile the database (once per process, about 0.7 s); False when Hyperscan is unusable."""
        if self._state == "new":
            with self._lock:
                if self._state == "new":
                    self._state = self._compile()
        return self._state == "ready"

    def _compile(self) -> str:
        try:
            import hyperscan
        except ImportError:
            log.info("hyperscan is not installed: the rules run every pattern on every message")
            return "unavailable"
        expressions, always = [], []
        for index, pattern in enumerate(self.patterns):
            if pattern.flags & ~(re.UNICODE):
                always.append(pattern)
                continue
            try:
                expressions.append(widen(pattern.pattern).encode("utf-8"))
            except ValueError:
                always.append(pattern)
                continue
            self._ids.append(index)
        flags = (hyperscan.HS_FLAG_PREFILTER | hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_SINGLEMATCH
                 | hyperscan.HS_FLAG_DOTALL | hyperscan.HS_FLAG_ALLOWEMPTY)
        database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        try:
            database.compile(expressions=expressions, ids=list(range(len(expressions))),
                             elements=len(expressions), flags=[flags] * len(expressions))
        except hyperscan.error as exc:
            log.warning("the rules' prefilter did not compile (%s): every pattern runs on every message", exc)
            return "unavailable"
        self._db, self._always = database, frozenset(always)
        self._hyperscan = hyperscan
        return "ready"

    def _scratch(self):
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:  # Hyperscan's scratch space is per thread
            scratch = self._local.scratch = self._hyperscan.Scratch(self._db)
        return scratch

    def candidates(self, text: str) -> frozenset | set | None:
        if not self.active:
            return None
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: not UTF-8, Hyperscan cannot read it
            return None
        found = set(self._always)
        ids, patterns = self._ids, self.patterns

        def on_match(match_id, start, end, flags, context):
            found.add(patterns[ids[match_id]])

        self._db.scan(data, match_event_handler=on_match, scratch=self._scratch())
        return found
