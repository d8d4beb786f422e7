"""The three signature schemes, with the catalogue's test vectors."""

from __future__ import annotations

import time

import pytest
from conftest import API_KEY, admin_header, md5_hash

from actions.gateway.decoding import parse_pairs
from actions.gateway.params import SignedRequest, part_of
from actions.gateway.signatures import LEGACY, QUERY, verify
from actions.gateway.spellings import md5_hex

NOW = 1_800_000_000


def from_query(raw: str, authorization: str = "") -> SignedRequest:
    """A request as the gateway reads one with this query string."""
    return SignedRequest(query=part_of(parse_pairs(raw, "the query"), raw),
                         authorization=authorization)


def signed(query: str, hash_value: str) -> SignedRequest:
    return from_query(f"{query}&hash={hash_value}")


@pytest.mark.parametrize(("text", "expected"), [
    ("action=get_tasks&id_project=26", "ec3ab2c28f21b4a07424f8ed688d6644"),
    ("action=post_task&id_project=26&title=New+task", "46a64677a44cf738c34775849152fd03"),
    ("action=post_task&id_project=26&title=New%20task", "d7135ea14b173b9c9745dcd094f13210"),
    ("action=post_task&id_project=26&title=New task", "01a5633683e09046c2c398130e2ec7a8"),
    ("/project/26/get_tasks", "e112810ffa3a217f0108fb9298aa7188"),
    ("get_all_tasks", "0c225592ce9834b92a2d6dd3c85ef544"),
])
def test_catalogue_vectors(text, expected):
    assert md5_hex(text + API_KEY) == expected


def test_documented_query_hash_is_accepted():
    req = signed("action=get_tasks&id_project=26", "ec3ab2c28f21b4a07424f8ed688d6644")
    assert verify(req, API_KEY, NOW, 300)


@pytest.mark.parametrize("wire", ["title=New+task", "title=New%20task"])
@pytest.mark.parametrize("hashed", ["46a64677a44cf738c34775849152fd03",  # PHP: space as +
                                    "d7135ea14b173b9c9745dcd094f13210",  # JS: space as %20
                                    "01a5633683e09046c2c398130e2ec7a8"])  # Postman: unencoded
def test_every_client_encoding_of_a_space_is_accepted(wire, hashed):
    req = signed(f"action=post_task&id_project=26&{wire}", hashed)
    assert verify(req, API_KEY, NOW, 300) == QUERY


def test_go_client_sorted_keys_are_accepted():
    hashed = md5_hash("action=get_tasks&id_project=26")
    assert verify(signed("id_project=26&action=get_tasks", hashed), API_KEY, NOW, 300) == QUERY


def test_legacy_page_hash_is_accepted_and_can_be_turned_off():
    req = signed("action=get_tasks&page=/project/26/", "e112810ffa3a217f0108fb9298aa7188")
    assert verify(req, API_KEY, NOW, 300) == LEGACY
    assert not verify(req, API_KEY, NOW, 300, legacy=False)


def test_legacy_action_hash_without_page():
    req = signed("action=get_all_tasks", "0c225592ce9834b92a2d6dd3c85ef544")
    assert verify(req, API_KEY, NOW, 300) == LEGACY


def test_hash_for_other_parameters_is_rejected():
    req = signed("action=get_tasks&id_project=27", "ec3ab2c28f21b4a07424f8ed688d6644")
    assert not verify(req, API_KEY, NOW, 300)


@pytest.mark.parametrize("bad", ["", "xyz", "EC3AB2C28F21B4A07424F8ED688D664", "0" * 32])
def test_malformed_or_wrong_hashes_are_rejected(bad):
    assert not verify(signed("action=get_tasks&id_project=26", bad), API_KEY, NOW, 300)


def test_uppercase_hex_is_the_same_hash():
    req = signed("action=get_tasks&id_project=26", "EC3AB2C28F21B4A07424F8ED688D6644")
    assert verify(req, API_KEY, NOW, 300)


def test_duplicate_hash_is_rejected():
    good = "ec3ab2c28f21b4a07424f8ed688d6644"
    req = from_query(f"action=get_tasks&id_project=26&hash={good}&hash={good}")
    assert not verify(req, API_KEY, NOW, 300)


def test_any_one_byte_change_of_the_query_is_rejected():
    query = "action=get_tasks&id_project=26"
    good = md5_hash(query)
    for i in range(len(query)):
        mutated = query[:i] + chr(ord(query[i]) ^ 1) + query[i + 1:]
        assert not verify(signed(mutated, good), API_KEY, NOW, 300, legacy=False), mutated


def test_admin_header_within_the_clock_skew():
    req = from_query("action=get_users", admin_header("get_users", at=NOW - 299))
    assert verify(req, API_KEY, NOW, 300) == "action"


@pytest.mark.parametrize("header", [
    admin_header("get_users", at=NOW - 301),  # expired
    admin_header("get_users", at=NOW + 301),  # from the future
    admin_header("get_contacts", at=NOW),  # signed for another action
    admin_header("get_users", key="another-key", at=NOW),
    f"Admin {NOW}_nothex",
    f"Admin {NOW}",
    "Admin ",
])
def test_bad_admin_headers_are_rejected(header):
    assert not verify(from_query("action=get_users", header), API_KEY, NOW, 300)


def test_hmac_as_hash_and_time_parameters():
    from actions.gateway.signatures import hmac_hex
    stamp = str(int(time.time()))
    signature = hmac_hex(API_KEY, "get_users", stamp)
    req = from_query(f"action=get_users&time={stamp}&hash={signature}")
    assert verify(req, API_KEY, int(stamp), 300)
    assert not verify(req, API_KEY, int(stamp) + 301, 300)


def test_comparisons_are_constant_time():
    import inspect

    import actions.gateway.signatures
    source = inspect.getsource(actions.gateway.signatures)
    assert "compare_digest" in source
    assert " == signature" not in source and "given ==" not in source


def test_postman_bare_parameter_hashed_as_null():
    """The collection's parameters without a value: hashed as ``title=null``, sent bare."""
    hashed = md5_hash("action=add_user_group&title=null")
    req = from_query(f"action=add_user_group&title&hash={hashed}")
    assert verify(req, API_KEY, NOW, 300) == QUERY
