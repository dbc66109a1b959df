"""Output filters of display commands: ``display ... | include RE | exclude RE | begin RE | count | no-more``.

Source [NE40E-CG Basic_Configuration/Command_Line_Interface_Configuration/How_to_Use_the_CLI/Regular_Expression]
("Filter Criteria for Regular Expressions"): every ``display`` command takes them; ``| begin RE`` shows the lines
from the first line that matches, ``| exclude RE`` the lines that do not match, ``| include RE`` the lines that
match, each case-sensitive; a line is shown whole (not from the match on); ``| ignore-case`` and ``| section`` go
with one of those three; ``| count`` and ``| no-more`` stand alone or follow them; several filters apply in the
order typed, at most 32. ``| count`` prints ``Total lines: N.`` and a regular expression has 1 to 255 characters
[CE-CG Displaying_the_Command_Output/Regular_Expressions]. The regular expression language (special characters
and when they "degenerate" to common ones) is the table of the same NE40E page; ``translate`` turns it into a
Python pattern.

UNVERIFIED (the pages are silent): ``|`` starts a filter only as a word of its own (``a|b`` inside a regular
expression is alternation, as in the CE example ``| exclude Directory|Files``); ``ignore-case`` / ``section`` in
either order before the filter word; a section is a line at column 0 with the indented lines under it; an
invalid regular expression or a 33rd filter is a ``Wrong parameter`` / ``Too many parameters`` error under it;
``| refresh`` and ``> file`` / ``>> file`` redirection are not modelled (refused as unrecognized).
"""
import re
from dataclasses import dataclass
from typing import Optional

from vrpsim.errors import CliError

MATCHERS = ("begin", "exclude", "include")
MODIFIERS = ("ignore-case", "section")
STANDALONE = ("count", "no-more")
WORDS = MATCHERS + MODIFIERS + STANDALONE
MAX_FILTERS = 32
MAX_REGEX = 255


class InvalidRegex(ValueError):
    pass


@dataclass(frozen=True)
class Filter:
    kind: str                          # begin | exclude | include | count | no-more
    pattern: Optional[re.Pattern] = None
    section: bool = False


def pipe_index(tokens_at):
    """Index of the first token that is a lone ``|``, or None."""
    return next((i for i, (token, _) in enumerate(tokens_at) if token == "|"), None)


def _keyword(token, index, allowed):
    hits = [w for w in allowed if w.startswith(token.lower())]
    if token.lower() in allowed:
        return token.lower()
    if len(hits) == 1:
        return hits[0]
    raise CliError("ambiguous" if hits else "unrecognized", index)


def parse(line, tokens_at, start):
    """The filters of ``line`` from the lone ``|`` at token ``start``; CliError indexes are into ``tokens_at``."""
    filters, index = [], start
    while index < len(tokens_at):
        if len(filters) == MAX_FILTERS:
            raise CliError("too_many", index)
        index += 1                                  # past the "|"
        if index == len(tokens_at):
            raise CliError("incomplete", index)
        modifiers = set()
        word = _keyword(tokens_at[index][0], index, WORDS)
        while word in MODIFIERS and word not in modifiers:
            modifiers.add(word)
            index += 1
            if index == len(tokens_at):
                raise CliError("incomplete", index)
            word = _keyword(tokens_at[index][0], index, MATCHERS + tuple(m for m in MODIFIERS if m not in modifiers))
        if word in STANDALONE:
            filters.append(Filter(word))
            index += 1
            if index < len(tokens_at) and tokens_at[index][0] != "|":
                raise CliError("too_many", index)
            continue
        first = index + 1
        end = pipe_index(tokens_at[first:])
        end = len(tokens_at) if end is None else first + end
        if first == end:
            raise CliError("incomplete", first)
        stop = tokens_at[end][1] if end < len(tokens_at) else len(line)
        text = line[tokens_at[first][1]:stop].strip()
        try:
            if len(text) > MAX_REGEX:
                raise InvalidRegex("longer than %d characters" % MAX_REGEX)
            pattern = re.compile(translate(text), re.IGNORECASE if "ignore-case" in modifiers else 0)
        except (InvalidRegex, re.error):
            raise CliError("wrong_parameter", first) from None
        filters.append(Filter(word, pattern, "section" in modifiers))
        index = end
    return filters


def apply(filters, text):
    """``text`` after each filter in turn."""
    for flt in filters:
        lines = text.split("\n") if text else []
        if flt.kind == "no-more":                   # paging is not emulated: nothing to turn off
            continue
        if flt.kind == "count":
            text = "Total lines: %d." % len(lines)
            continue
        units = _sections(lines) if flt.section else [[line] for line in lines]
        hit = [any(flt.pattern.search(line) for line in unit) for unit in units]
        if flt.kind == "include":
            kept = [u for u, h in zip(units, hit, strict=False) if h]
        elif flt.kind == "exclude":
            kept = [u for u, h in zip(units, hit, strict=False) if not h]
        else:
            kept = units[hit.index(True):] if True in hit else []
        text = "\n".join(line for unit in kept for line in unit)
    return text


def _sections(lines):
    sections = []
    for line in lines:
        if sections and line[:1] == " ":
            sections[-1].append(line)
        else:
            sections.append([line])
    return sections


_QUANT = re.compile(r"\{(\d+)(,(\d*))?\}")


def translate(vrp):
    """A VRP regular expression as an equivalent Python pattern (raises InvalidRegex).

    VRP: ``\\`` makes the next character common; ``*`` and ``+`` at the start of an expression (or of a
    sub-expression in parentheses) are common; ``^`` anchors only at such a start, ``$`` only at the end; an
    unpaired ``)`` or ``]`` is common, an unpaired ``(`` is invalid; ``{x,y}`` with values below 1000, ``{x}`` and
    ``{x,}`` repeat, any other brace is common; ``?`` cannot be typed (it asks for help) [NE40E-CG
    Regular_Expression, Table 1 and "Degeneration of special characters"].
    """
    if "?" in vrp:
        raise InvalidRegex("'?' is not supported")
    paired = _paired_parens(vrp)
    out, i, start, atom = [], 0, True, False      # start: at the start of a (sub-)expression; atom: can repeat
    while i < len(vrp):
        c = vrp[i]
        if c == "\\":
            out.append(re.escape(vrp[i + 1]) if i + 1 < len(vrp) else re.escape("\\"))
            i, start, atom = i + 2, False, True
            continue
        if c in "*+":
            out.append(c if atom else re.escape(c))
            start, atom = False, not atom
        elif c == "^":
            out.append("^" if start else r"\^")
            start, atom = False, not start
        elif c == "$":
            end = i + 1 == len(vrp) or vrp[i + 1] == "|" or (vrp[i + 1] == ")" and i + 1 in paired)
            out.append("$" if end else r"\$")
            start, atom = False, not end
        elif c == "(" and i in paired:
            out.append("(")
            start, atom = True, False
        elif c == ")" and i in paired:
            out.append(")")
            start, atom = False, True
        elif c == "|":
            out.append("|")
            start, atom = True, False
        elif c == "[":
            cls, i = _char_class(vrp, i)
            out.append(cls)
            start, atom = False, True
            continue
        elif c == "{":
            m = _QUANT.match(vrp, i)
            if m and atom:
                low, high = int(m[1]), m[3]
                if low >= 1000 or (high and (int(high) >= 1000 or int(high) < low)):
                    raise InvalidRegex("bad repeat %s" % m[0])
                out.append(m[0])
                i, start, atom = m.end(), False, False
                continue
            out.append(r"\{")
            start, atom = False, True
        elif c == ".":
            out.append(".")
            start, atom = False, True
        else:
            out.append(re.escape(c))
            start, atom = False, True
        i += 1
    return "".join(out)


def _paired_parens(vrp):
    """Positions of the parentheses that pair up; an unpaired ``(`` is an error."""
    stack, paired, i = [], set(), 0
    while i < len(vrp):
        c = vrp[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            _, i = _char_class(vrp, i)
            continue
        if c == "(":
            stack.append(i)
        elif c == ")" and stack:
            paired.update((stack.pop(), i))
        i += 1
    if stack:
        raise InvalidRegex("unpaired '('")
    return paired


def _char_class(vrp, i):
    """``[...]`` at ``i`` as a Python class and the index after it; every member character escaped."""
    j = i + 1
    negate = vrp[j:j + 1] == "^"
    j += negate
    members = []
    while j < len(vrp) and vrp[j] != "]":
        c = vrp[j + 1] if vrp[j] == "\\" and j + 1 < len(vrp) else vrp[j]
        j += 2 if vrp[j] == "\\" else 1
        members.append(c)
    if j >= len(vrp) or not members:
        raise InvalidRegex("unpaired '['")
    parts, k = [], 0
    while k < len(members):
        if k + 2 < len(members) and members[k + 1] == "-":
            if members[k] > members[k + 2]:
                raise InvalidRegex("bad range %s-%s" % (members[k], members[k + 2]))
            parts.append("%s-%s" % (re.escape(members[k]), re.escape(members[k + 2])))
            k += 3
        else:
            parts.append(re.escape(members[k]))
            k += 1
    return "[%s%s]" % ("^" if negate else "", "".join(parts)), j + 1
