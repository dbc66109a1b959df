"""Whatever is typed, the CLI answers with VRP output (never an internal error) and keeps a valid prompt."""
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from vrpsim import grammar as g
from vrpsim.cli import INTERNAL_ERROR, CliSession
from vrpsim.lab import Lab, Router

PROMPT = re.compile(r"^(<R1>|\[[~*]R1[^\]]*\]|.*\[Y/N\]:|.*\[Y\(yes\)/N\(no\)/C\(cancel\)\]:|.*\[Y/N/C\]:)$")
KEYWORDS = sorted({e.word for c in g.COMMANDS for seq in c.sequences for e in seq if isinstance(e, g.Keyword)})
WORDS = st.one_of(
    st.sampled_from(KEYWORDS),
    st.sampled_from(["10.0.0.2", "2001:db8::1", "65000", "1.2", "RR", "vpna", "60", "0", "node", "-1", "999999"]),
    st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=8),
)
LINES = st.lists(WORDS, min_size=0, max_size=8).map(" ".join)


class NullWorld:
    def __init__(self, topology):
        pass

    def apply_config(self, router, text):
        pass

    def display(self, router, tokens):
        return ""

    refresh = reset = display


def make_router(tmp_path):
    topology = {"name": "t", "routers": [{"name": "R1", "config": "bgp 65000\n peer 10.0.0.2 as-number 65000\n"}]}
    lab = Lab(topology, tmp_path, world_factory=NullWorld)
    lab.world = NullWorld(topology)
    router = Router(lab, topology["routers"][0], 0)
    router.load_startup_config()
    return router


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(LINES, min_size=1, max_size=12))
def test_random_command_sequences_never_hit_an_internal_error(tmp_path_factory, lines):
    router = make_router(tmp_path_factory.mktemp("fuzz"))
    router.start_trial = lambda point, seconds: None      # no event loop here; trials are tested over SSH
    session = CliSession(router, "admin", 1)
    for line in ["system-view"] + lines:
        reply = session.execute(line)
        assert INTERNAL_ERROR not in reply.output, line
        if reply.logout:
            break
        assert PROMPT.match(session.prompt), session.prompt
