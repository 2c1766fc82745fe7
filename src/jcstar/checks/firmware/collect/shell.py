"""Split a line of a boot script into the simple commands it runs (shlex, POSIX rules),
so that a daemon counts as started only where it is a command, not an argument."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator

_SEPARATORS = {";", "&&", "||", "|", "&", "(", ")", ";;"}
_KEYWORDS = {"then", "do", "else", "elif", "if", "while", "until", "!", "{", "}", "time"}


def words(line: str) -> list[str]:
    try:
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        return list(lexer)
    except ValueError:  # an unbalanced quote: fall back to plain words
        return line.split("#", 1)[0].split()


def commands(line: str) -> Iterator[list[str]]:
    """The simple commands of a shell line, keywords and variable assignments dropped."""
    segment: list[str] = []
    for word in [*words(line), ";"]:
        if word in _SEPARATORS:
            while segment and (segment[0] in _KEYWORDS or re.match(r"^\w+=", segment[0])):
                segment.pop(0)
            if segment:
                yield segment
            segment = []
        else:
            segment.append(word)
