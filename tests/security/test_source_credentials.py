"""An operator's source URL may carry a user name and password (`http://user:pass@host/`).
feedparser resolved every relative link of the feed against it, so the password reached the
published feeds, the JSON feed and the article pages, which every reader fetches; a source's
own `https://news.example@evil.example/` link was shown as written, reading as news.example."""

from __future__ import annotations

import json
from pathlib import Path

from tests.security.conftest import CraftedServer, newsledger, write_config

RSS = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>R</title>'
    "<link>/</link><description>d</description>"
    "<item><title>Hai bộ trưởng hội đàm tại Viêng Chăn</title><link>/tin/c1</link>"
    '<description>&lt;p&gt;Kim ngạch đạt 476,8 triệu USD. &lt;a href="/noi-bo/tai-lieu"&gt;'
    'Chi tiết&lt;/a&gt; &lt;img src="anh/x.png"&gt;&lt;/p&gt;</description></item>'
    "<item><title>Đoàn đại biểu Lào thăm tỉnh biên giới</title>"
    "<link>https://www.nhandan.example@evil.example/a2</link>"
    '<description>&lt;p&gt;Hai bên trao đổi về hợp tác. &lt;a href="https://u:pw@tin.example/a"'
    "&gt;Nguồn&lt;/a&gt;&lt;/p&gt;</description></item>"
    "</channel></rss>"
).encode()


def test_no_user_name_or_password_reaches_what_readers_fetch(
    crafted: CraftedServer, tmp_path: Path
) -> None:
    crafted.serve("/creds.xml", RSS)
    source = crafted.url("/creds.xml").replace("http://", "http://opuser:opsecret@")
    sources = f'[[sources]]\nid = "kin"\nkind = "feed"\nurl = "{source}"\n'
    extra = f'{sources}\n[feeds]\noutput_dir = "public"\nbase_url = "https://tin.example.org"\n'
    config = write_config(tmp_path, store_url=f"sqlite:///{tmp_path}/n.db", extra=extra)
    for command in ("fetch", "publish"):
        ran = newsledger(command, config=config)
        assert ran.code == 0, (command, ran.err[-2000:])
    published = {p: p.read_text(encoding="utf-8") for p in (tmp_path / "public").rglob("*.*")}
    assert any(p.suffix == ".atom" for p in published) and any(
        p.parent.name == "articles" for p in published
    )
    for path, text in published.items():
        for secret in ("opsecret", "opuser", "u:pw@", "nhandan.example@"):
            assert secret not in text, (path, secret)
    feed = published[tmp_path / "public" / "feeds" / "all.atom"]
    assert f"http://127.0.0.1:{crafted.port}/tin/c1" in feed  # resolved, without them
    assert f"http://127.0.0.1:{crafted.port}/noi-bo/tai-lieu" in feed
    assert "https://evil.example/a2" in feed  # the host the link really names
    # The articles as stored, too (the operator's own source facts may keep the URL).
    exported = newsledger("export", config=config)
    assert exported.code == 0, exported.err[-2000:]
    articles = [json.loads(line) for line in exported.out.splitlines() if '"type":"Article' in line]
    assert len(articles) == 2
    assert not any("opsecret" in row["data"] or "pw@" in row["data"] for row in articles)
