"""The three signature schemes, with the catalogue's test vectors."""

from __future__ import annotations

import time

import pytest
from conftest import API_KEY, admin_header, md5_hash

from actions.gateway.params import SignedRequest
from actions.gateway.signatures import md5_hex, verify

NOW = 1_800_000_000


def signed(query: str, hash_value: str, **extra) -> SignedRequest:
    params = dict(pair.split("=", 1) for pair in query.split("&"))
    return SignedRequest(action=params["action"], params=params,
                         raw_query=f"{query}&hash={hash_value}", hash_values=(hash_value,),
                         **extra)


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
    query = f"action=post_task&id_project=26&{wire}"
    req = SignedRequest(action="post_task",
                        params={"action": "post_task", "id_project": "26", "title": "New task"},
                        raw_query=f"{query}&hash={hashed}", hash_values=(hashed,))
    assert verify(req, API_KEY, NOW, 300)


def test_go_client_sorted_keys_are_accepted():
    params = {"id_project": "26", "action": "get_tasks"}
    hashed = md5_hash("action=get_tasks&id_project=26")
    req = SignedRequest(action="get_tasks", params=params,
                        raw_query=f"id_project=26&action=get_tasks&hash={hashed}",
                        hash_values=(hashed,))
    assert verify(req, API_KEY, NOW, 300)


def test_legacy_page_hash_is_accepted_and_can_be_turned_off():
    params = {"action": "get_tasks", "page": "/project/26/"}
    req = SignedRequest(action="get_tasks", params=params,
                        hash_values=("e112810ffa3a217f0108fb9298aa7188",))
    assert verify(req, API_KEY, NOW, 300)
    assert not verify(req, API_KEY, NOW, 300, legacy=False)


def test_legacy_action_hash_without_page():
    req = SignedRequest(action="get_all_tasks", params={"action": "get_all_tasks"},
                        hash_values=("0c225592ce9834b92a2d6dd3c85ef544",))
    assert verify(req, API_KEY, NOW, 300)


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
    req = SignedRequest(action="get_tasks", params={"action": "get_tasks", "id_project": "26"},
                        raw_query=f"action=get_tasks&id_project=26&hash={good}&hash={good}",
                        hash_values=(good, good))
    assert not verify(req, API_KEY, NOW, 300)


def test_any_one_byte_change_of_the_query_is_rejected():
    query = "action=get_tasks&id_project=26"
    good = md5_hash(query)
    for i in range(len(query)):
        mutated = query[:i] + chr(ord(query[i]) ^ 1) + query[i + 1:]
        params = dict(p.split("=", 1) for p in mutated.split("&") if "=" in p)
        req = SignedRequest(action=params.get("action", ""), params=params,
                            raw_query=f"{mutated}&hash={good}", hash_values=(good,))
        assert not verify(req, API_KEY, NOW, 300, legacy=False), mutated


def test_admin_header_within_the_clock_skew():
    req = SignedRequest(action="get_users", params={}, authorization=admin_header("get_users",
                                                                                  at=NOW - 299))
    assert verify(req, API_KEY, NOW, 300)


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
    assert not verify(SignedRequest(action="get_users", params={}, authorization=header),
                      API_KEY, NOW, 300)


def test_hmac_as_hash_and_time_parameters():
    from actions.gateway.signatures import hmac_hex
    stamp = str(int(time.time()))
    signature = hmac_hex(API_KEY, "get_users", stamp)
    req = SignedRequest(action="get_users", params={"action": "get_users", "time": stamp},
                        hash_values=(signature,))
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
    req = SignedRequest(action="add_user_group", params={"action": "add_user_group", "title": ""},
                        raw_query=f"action=add_user_group&title&hash={hashed}",
                        hash_values=(hashed,))
    assert verify(req, API_KEY, NOW, 300)
