"""Which callback URLs are well formed, and which the operator's allow-list admits."""

from __future__ import annotations

import pytest

from coderunner.domain.callback import CallbackPolicy, check_callback, parse_callback_url
from coderunner.errors import InvalidSubmission


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://hooks.example.com/x", "must be an http:// or https:// URL"),
        ("hooks.example.com/x", "must be an http:// or https:// URL"),
        ("http:///x", "has no host"),
        ("https://user:pw@hooks.example.com/x", "must not carry credentials"),
        ("https://hooks.example.com/x#frag", "must not have a #fragment"),
        ("https://hooks.example.com:99999/x", "is not a valid URL"),
        ("https://hooks.example.com/a b", "whitespace"),
        ("https://hooks.example.com/" + "a" * 2048, "longer than 2048"),
    ],
)
def test_a_malformed_url_is_refused_naming_the_field(url: str, problem: str) -> None:
    with pytest.raises(InvalidSubmission, match=problem) as refused:
        parse_callback_url(url)
    assert "callback_url" == refused.value.field


def test_a_unicode_host_is_read_as_its_idna_name() -> None:
    assert "xn--bcher-kva.example" == parse_callback_url("https://Bücher.example/x").host


def test_the_default_port_and_path_are_filled_in() -> None:
    assert (80, "/") == (parse_callback_url("http://h.example").port, parse_callback_url("http://h.example").target)


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("10.1.2.3", "private"),
        ("192.168.0.1", "private"),
        ("fd00::1", "private"),
        ("::ffff:10.0.0.1", "private"),  # IPv4-mapped: judged as the IPv4 address it reaches
        ("100.64.0.1", "non-public"),  # shared address space (CGNAT)
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "private"),  # "this network": private to Python too
    ],
)
def test_non_public_addresses_are_refused_by_default(address: str, kind: str) -> None:
    problem = CallbackPolicy().address_problem(address)
    assert problem is not None
    assert f"is a {kind} address" in problem


def test_public_addresses_and_any_name_pass_an_empty_list() -> None:
    policy = CallbackPolicy()
    assert (None, None, None) == (
        policy.address_problem("93.184.215.14"),
        policy.host_problem("hooks.example.com"),
        policy.host_problem("2606:4700::1"),
    )


def test_a_listed_network_admits_its_addresses_and_only_listed_hosts_pass() -> None:
    policy = CallbackPolicy.parse(["127.0.0.1/32", "*.example.com", "hooks.partner.org"])
    assert policy.host_problem("127.0.0.1") is None
    assert policy.host_problem("a.b.example.com") is None
    assert policy.host_problem("hooks.partner.org") is None
    assert "not in the allow-list" in (policy.host_problem("evil.org") or "")
    assert "not in the allow-list" in (policy.host_problem("example.com.evil.org") or "")
    assert "not inside an allowed network" in (policy.host_problem("127.0.0.2") or "")
    assert "not inside an allowed network" in (policy.host_problem("8.8.8.8") or "")
    assert "is a private address" in (policy.address_problem("10.0.0.1") or "")


def test_a_bad_allow_list_entry_is_named() -> None:
    with pytest.raises(ValueError, match="'hooks/x'"):
        CallbackPolicy.parse(["hooks/x"])


def test_check_callback_names_the_field() -> None:
    with pytest.raises(InvalidSubmission, match="loopback") as refused:
        check_callback("http://127.0.0.1:8080/admin", CallbackPolicy())
    assert "callback_url" == refused.value.field
