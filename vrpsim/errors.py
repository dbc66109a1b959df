"""Errors the emulated CLI prints: VRP syntax errors (with a caret) and semantic errors (one line).

Raised by the grammar matcher, by config semantics and by the BGP model; rendered by ``cli.py``.
"""

# Exact VRP8 texts (vrp-cli-reference.md §2). "Too many" has no space after the colon on every release
# [gnetcli huawei_test.go; fs: "Too many parameters found" NE40E driver and 100GE script].
SYNTAX_MESSAGES = {
    "unrecognized": "Error: Unrecognized command found at '^' position.",
    "incomplete": "Error: Incomplete command found at '^' position.",
    "wrong_parameter": "Error: Wrong parameter found at '^' position.",
    "too_many": "Error:Too many parameters found at '^' position.",
    "ambiguous": "Error: Ambiguous command found at '^' position.",
}

# Releases with numbered errors print "Error[N]:" [gnetcli huawei_test.go: "Error[1]: Unrecognized command ...",
# "Error[2]: Incomplete command ..."]; N for the other kinds is not documented (the collection accepts any N).
ERROR_NUMBERS = {"unrecognized": 1, "incomplete": 2, "wrong_parameter": 3, "too_many": 4, "ambiguous": 5}


def numbered(kind, text):
    """``text`` in the ``Error[N]:`` form of releases with numbered errors."""
    return "Error[%d]:" % ERROR_NUMBERS[kind] + text[len("Error:"):] if kind in ERROR_NUMBERS else text


class CliError(Exception):
    """A command the router refuses.

    ``CliError(kind, token_index)``: a syntax error; the caret goes under token ``token_index`` of the
    command (``token_index == len(tokens)`` puts it just after the last token).
    ``CliError.message(text)``: a semantic error printed as-is on one line, no caret.
    """

    def __init__(self, kind, token_index=0, text=None):
        if kind not in SYNTAX_MESSAGES and kind != "semantic":
            raise ValueError("unknown CliError kind %r" % kind)
        self.kind = kind
        self.token_index = token_index
        self.text = text if text is not None else SYNTAX_MESSAGES.get(kind, "")
        super().__init__(self.text)

    @classmethod
    def message(cls, text):
        """A semantic error, e.g. ``CliError.message("Error: The peer does not exist.")``."""
        return cls("semantic", None, text)

    @property
    def has_caret(self):
        return self.kind != "semantic"

    def __repr__(self):
        return "CliError(%r, %r, %r)" % (self.kind, self.token_index, self.text)
