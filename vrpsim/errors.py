"""Errors the emulated CLI prints: VRP syntax errors (with a caret) and semantic errors (one line).

Raised by the grammar matcher, by config semantics and by the BGP model; rendered by ``cli.py``.
"""

# Exact VRP8 texts (vrp-cli-reference.md §2).
SYNTAX_MESSAGES = {
    "unrecognized": "Error: Unrecognized command found at '^' position.",
    "incomplete": "Error: Incomplete command found at '^' position.",
    "wrong_parameter": "Error: Wrong parameter found at '^' position.",
    "too_many": "Error: Too many parameters found at '^' position.",
    "ambiguous": "Error: Ambiguous command found at '^' position.",
}


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
