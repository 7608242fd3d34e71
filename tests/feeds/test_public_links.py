"""Which links readers are given (feeds/links.py `public_url`): only http(s) links a feed
reader or browser can follow, never one with a user name or password in it."""

from __future__ import annotations

import pytest

from feeds.links import public_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://tin.example.vn/a-1.html?x=1#y", "https://tin.example.vn/a-1.html?x=1#y"),
        ("http://[2001:db8::1]:8080/a", "http://[2001:db8::1]:8080/a"),
        ("https://báo.example/tin", "https://báo.example/tin"),
        ("http://opuser:opsecret@127.0.0.1:8731/c1", "http://127.0.0.1:8731/c1"),
        ("https://www.nhandan.example@evil.example/a", "https://evil.example/a"),
        ("https://a.example/p?mail=x@y.example", "https://a.example/p?mail=x@y.example"),
        ("file:///srv/news/a.txt", None),
        ("javascript:alert(1)", None),
        ("http://exa mple.com/a", None),
        ('http://a.example"onmouseover=x/', None),
        ("https://a.example:99999/x", None),
        ("http://[::1/x", None),
        ("https://ex.example\\@evil.example/x", None),  # a browser's host is ex.example
        ("https:///no-host", None),
        ("", None),
        (None, None),
    ],
)
def test_only_followable_links_without_credentials_are_shown(
    url: str | None, shown: str | None
) -> None:
    assert public_url(url) == shown
