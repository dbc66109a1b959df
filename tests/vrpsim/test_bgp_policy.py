"""Route-policy evaluation of vrpsim (vrpsim/policy.py): prefix lists, filters, node order, apply clauses."""
import pytest

from vrpsim.policy import Route, parse_policy_book

BOOK = parse_policy_book("""#
ip ip-prefix P1 index 20 deny 10.1.1.0 24
ip ip-prefix P1 index 10 permit 10.1.0.0 16 greater-equal 17 less-equal 24
ip ip-prefix P1 index 30 permit 10.0.0.0 8 less-equal 32
#
ip ip-prefix EXACT index 10 permit 172.31.0.0 16
#
ip ip-prefix GE index 10 permit 10.8.0.0 16 greater-equal 20
#
ip as-path-filter AP1 index 10 permit ^65010_
ip as-path-filter AP2 index 10 deny _65099$
ip as-path-filter AP2 index 20 permit .*
#
ip community-filter basic C1 index 10 permit 65020:1
ip community-filter advanced CA index 10 permit ^65020:
#
route-policy RP permit node 30
 apply local-preference 30
#
route-policy RP deny node 20
 if-match ip-prefix EXACT
#
route-policy RP permit node 10
 if-match ip-prefix P1
 if-match as-path-filter AP1
 apply local-preference 200
 apply cost 50
 apply community 65000:9 additive
 apply as-path 65000 65000 additive
#
route-policy MISSING-LIST permit node 10
 if-match ip-prefix DOES-NOT-EXIST
#
route-policy COMM permit node 10
 if-match community-filter C1
#
route-policy COMM-ADV permit node 10
 if-match community-filter CA
#
route-policy AS2 permit node 10
 if-match as-path-filter AP2
#
route-policy NO-MATCH permit node 10
 if-match ip-prefix EXACT
#
route-policy GE-ONLY permit node 10
 if-match ip-prefix GE
#
""")


def r(prefix, path=(65010,), communities=()):
    return Route(prefix=prefix, next_hop="192.0.2.1", as_path=tuple(path), communities=tuple(communities))


def test_first_matching_node_in_node_order_wins_and_applies():
    out = BOOK.evaluate("RP", r("10.1.2.0/24", communities=("65010:1",)))
    assert out.local_pref == 200 and out.med == 50
    assert out.communities == ("65010:1", "65000:9")
    assert out.as_path == (65000, 65000, 65010)


def test_deny_node_and_fall_through():
    assert BOOK.evaluate("RP", r("172.31.0.0/16")) is None                 # node 20 deny
    assert BOOK.evaluate("RP", r("172.16.0.0/16")).local_pref == 30      # node 30 catch-all


@pytest.mark.parametrize("prefix,permitted", [
    ("10.1.0.0/16", True),      # length 16 < ge 17, so index 10 misses; index 30 (10/8 le 32) permits
    ("10.1.128.0/17", True),
    ("10.1.1.0/24", True),      # index 10 matches before the index 20 deny
    ("10.1.2.0/25", True),      # index 30
    ("11.0.0.0/8", False),      # implicit deny at the end of the list
])
def test_prefix_list_index_order_and_ranges(prefix, permitted):
    from vrpsim.policy import PolicyBook
    assert PolicyBook._prefix_list_permits(BOOK.ip_prefixes, "P1", r(prefix)) is permitted


def test_exact_and_greater_equal_only():
    assert BOOK.evaluate("NO-MATCH", r("172.31.0.0/16")) is not None
    assert BOOK.evaluate("NO-MATCH", r("172.31.1.0/24")) is None
    assert BOOK.evaluate("GE-ONLY", r("10.8.16.0/20")) is not None
    assert BOOK.evaluate("GE-ONLY", r("10.8.1.0/32")) is not None
    assert BOOK.evaluate("GE-ONLY", r("10.8.0.0/16")) is None


def test_missing_prefix_list_permits_everything_missing_policy_denies():
    assert BOOK.evaluate("MISSING-LIST", r("203.0.113.0/24")) is not None
    assert BOOK.evaluate("NOT-DEFINED", r("10.1.1.0/24")) is None
    assert BOOK.evaluate(None, r("10.1.1.0/24")) == r("10.1.1.0/24")


def test_as_path_filters():
    assert BOOK.evaluate("AS2", r("1.0.0.0/8", path=(65010, 65099))) is None
    assert BOOK.evaluate("AS2", r("1.0.0.0/8", path=(65010, 650991))) is not None
    assert BOOK.evaluate("RP", r("10.1.2.0/24", path=(65011,))).local_pref == 30   # AP1 fails -> node 30


def test_community_filters():
    assert BOOK.evaluate("COMM", r("1.0.0.0/8", communities=("65020:1", "65020:2"))) is not None
    assert BOOK.evaluate("COMM", r("1.0.0.0/8", communities=("65020:2",))) is None
    assert BOOK.evaluate("COMM-ADV", r("1.0.0.0/8", communities=("65020:77",))) is not None
    assert BOOK.evaluate("COMM-ADV", r("1.0.0.0/8", communities=("65021:77",))) is None


def test_prefix_address_is_masked_and_index_auto_assigned():
    book = parse_policy_book("ip ip-prefix X permit 10.1.1.1 16\nip ip-prefix X deny 0.0.0.0 0 less-equal 32\n")
    entries = book.ip_prefixes["X"]
    assert [e.index for e in entries] == [10, 20]
    assert str(entries[0].network) == "10.1.0.0/16"
