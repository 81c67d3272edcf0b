"""The public card page and the vCard download, through their real handlers, against the real database."""

from __future__ import annotations

import re
import uuid

import psycopg
import pytest
import vobject

from tests.integration.public_cards import BOT_UA, DESKTOP_UA, PHONE_UA, base_url, exports, make_card, rows, views


@pytest.fixture
def card(database, tenant_factory, app_env):
    return make_card(database, tenant_factory())


def nonce_of(response) -> str:
    found = re.search(r"script-src 'nonce-([^']+)'", response.headers["content-security-policy"])
    assert found, response.headers["content-security-policy"]
    return found.group(1)


def set_cookie(response) -> str:
    cookies = response.raw.get("cookies") or []
    assert len(cookies) == 1, cookies
    return cookies[0]


def sid_of(response) -> str:
    return set_cookie(response).split(";", 1)[0].split("=", 1)[1]


# --- the page ------------------------------------------------------------------------------------


def test_card_page_shows_the_branded_card(call_route, card):
    response = call_route("GET", f"/c/{card['card_id']}", headers={"user-agent": PHONE_UA})
    assert response.status == 200, response
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.raw["isBase64Encoded"] is False
    html = response.text
    for text in ("Ada Lovelace", "Chief Programmer", "Analytical Engines Ltd", "PyCon Berlin 2027", "Acme Events", card["email"]):
        assert text in html
    for button in ('id="save-contact"', 'id="apple-wallet"', 'id="google-wallet"', 'id="share"', 'id="copy-email"'):
        assert button in html
    card_id = card["card_id"]
    assert f'href="/c/{card_id}/vcard"' in html
    assert f'href="/c/{card_id}/wallet/apple"' in html
    assert f'href="/c/{card_id}/wallet/google"' in html
    assert 'href="https://www.linkedin.com/in/ada-lovelace"' in html
    # brand colours and font reach the stylesheet; readable text on them is computed
    assert "--primary:#0b3d91" in html and "--accent:#f59e0b" in html
    assert "--on-primary:#ffffff" in html and "--on-accent:#111111" in html
    assert "--font:Inter, Helvetica Neue, system-ui" in html
    style = html.split("<style", 1)[1].split("</style>", 1)[0]
    assert "&#" not in style and "&amp;" not in style  # nothing in the CSS was entity-escaped
    # Open Graph, canonical URL, no indexing of personal data
    assert '<meta property="og:title" content="Ada Lovelace">' in html
    assert f'<meta property="og:url" content="{base_url()}/c/{card_id}">' in html
    assert '<meta property="og:type" content="profile">' in html
    assert f'<link rel="canonical" href="{base_url()}/c/{card_id}">' in html
    assert 'name="robots" content="noindex' in html
    assert f'data-share-url="{base_url()}/c/{card_id}?src=share"' in html
    assert len(html.encode()) < 20_000  # a few KB: no framework


def test_card_page_headers_cache_security_and_session_cookie(call_route, card):
    response = call_route("GET", f"/c/{card['card_id']}")
    headers = response.headers
    assert headers["cache-control"] == "no-store"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-correlation-id"]
    policy = headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy and "connect-src 'self'" in policy
    assert "unsafe-inline" not in policy
    nonce = nonce_of(response)
    assert f'<style nonce="{nonce}">' in response.text and f'<script nonce="{nonce}">' in response.text
    assert response.text.count("<script") == 1 and response.text.count("<style") == 1
    cookie = set_cookie(response)
    assert re.match(r"^op_sid=[A-Za-z0-9_-]{20,}; Path=/; Max-Age=1800; HttpOnly; SameSite=Lax$", cookie), cookie
    # a fresh nonce per response
    assert nonce_of(call_route("GET", f"/c/{card['card_id']}")) != nonce


def test_names_and_values_are_escaped(call_route, database, tenant_factory, app_env):
    card = make_card(
        database, tenant_factory(), first_name="<script>alert(1)</script>", last_name='"Quote\'s"',
        org_name="R&D <b>Labs</b>", title="Lead </title>",
    )
    html = call_route("GET", f"/c/{card['card_id']}").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "R&amp;D &lt;b&gt;Labs&lt;/b&gt;" in html
    assert "Lead </title>" not in html


def test_hostile_theme_and_links_never_reach_the_page(call_route, database, tenant_factory, app_env, admin_conn):
    theme = {
        "primary_color": "red;}</style><script>alert(1)</script>",
        "accent_color": "#12",
        "background_color": "url(javascript:alert(1))",
        "font_family": "Evil'; } body { display:none",
        "logo_s3_key": "../other-tenant/logo.png",
    }
    card = make_card(database, tenant_factory(), theme=theme)
    admin_conn.execute(
        "UPDATE cards SET links_json = %s WHERE card_id = %s",
        (psycopg.types.json.Jsonb({"website": "javascript:alert(1)", "blog": "https://blog.example.com/x", "bad": 42}), card["card_id"]),
    )
    response = call_route("GET", f"/c/{card['card_id']}")
    assert response.status == 200
    html = response.text
    assert "alert(1)" not in html
    assert "display:none" not in html
    assert "--primary:#1f2937" in html and "--accent:#2563eb" in html and "--bg:#ffffff" in html
    assert "--font:system-ui" in html
    assert 'href="https://blog.example.com/x"' in html and "<small>Blog</small>" in html
    assert "other-tenant" not in html


def test_wallet_buttons_follow_the_brand_features(call_route, database, tenant_factory, app_env):
    card = make_card(database, tenant_factory(), features={"apple_wallet": False})
    html = call_route("GET", f"/c/{card['card_id']}").text
    assert 'id="apple-wallet"' not in html
    assert 'id="google-wallet"' in html


@pytest.mark.parametrize(
    "card_path",
    [
        "not-a-uuid",
        "00000000-0000-0000-0000-000000000000",
        str(uuid.uuid4()),
        "%00",
        "x" * 300,
        "1' OR '1'='1",
        "{{7*7}}",
    ],
)
def test_unknown_or_malformed_card_is_the_404_page_and_records_nothing(call_route, database, card_path):
    before = rows(database, "SELECT count(*) AS n FROM card_view_events")[0]["n"]
    response = call_route("GET", f"/c/{card_path}")
    assert response.status == 404, response
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    assert "This card isn't available" in response.text
    assert response.text.count(response.headers["x-correlation-id"]) == 1  # quoted for support
    body = response.text.replace(response.headers["x-correlation-id"], "").replace(nonce_of(response), "")
    assert "49" not in body and card_path not in body  # nothing from the URL is evaluated or echoed
    assert not response.raw.get("cookies")
    assert rows(database, "SELECT count(*) AS n FROM card_view_events")[0]["n"] == before


def test_deleted_card_and_disabled_tenant_are_404(call_route, database, tenant_factory, app_env, admin_conn):
    deleted = make_card(database, tenant_factory())
    admin_conn.execute("UPDATE cards SET deleted_at = now() WHERE card_id = %s", (deleted["card_id"],))
    assert call_route("GET", f"/c/{deleted['card_id']}").status == 404
    assert call_route("GET", f"/c/{deleted['card_id']}/vcard").status == 404

    disabled = make_card(database, tenant_factory())
    admin_conn.execute("UPDATE tenants SET status = 'disabled' WHERE tenant_id = %s", (disabled["tenant_id"],))
    assert call_route("GET", f"/c/{disabled['card_id']}").status == 404
    assert views(database, deleted["card_id"]) == [] and views(database, disabled["card_id"]) == []
    assert exports(database, deleted["card_id"]) == []


def test_database_outage_is_a_503_page(call_route, card, monkeypatch):
    import handlers.public.card_page as module
    from outreachpass.errors import ServiceUnavailable

    def unavailable(*args, **kwargs):
        raise ServiceUnavailable("down")

    monkeypatch.setattr(module, "open_card_page", unavailable)
    response = call_route("GET", f"/c/{card['card_id']}")
    assert response.status == 503
    assert response.headers["retry-after"] == "5"
    assert "try again" in response.text


# --- the view that is recorded ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "headers", "source", "metadata"),
    [
        ("?src=qr", {}, "qr_scan", {}),
        ("?src=email", {}, "email_link", {}),
        ("?src=share", {}, "share", {}),
        ("?src=direct", {}, "direct_link", {}),
        ("?src=QR_SCAN", {}, "qr_scan", {}),
        ("", {}, "direct_link", {}),
        ("?src=", {}, "direct_link", {}),
        ("?src=newsletter%3Cx%3E", {}, "direct_link", {"src": "newsletter<x>"}),
        ("?src=qr&src=email", {}, "direct_link", {"src": "qr,email"}),
        ("", {"referer": "https://mail.google.com/"}, "email_link", {"source_hint": "referrer"}),
        ("", {"referer": "https://outlook.office.com/mail/inbox"}, "email_link", {"source_hint": "referrer"}),
        ("", {"referer": "https://www.google.com/"}, "direct_link", {}),
        ("?src=qr", {"referer": "https://mail.google.com/"}, "qr_scan", {}),
        ("", {"referer": "not a url ::"}, "direct_link", {}),
    ],
)
def test_view_source_comes_from_src_then_the_referrer(call_route, card, database, query, headers, source, metadata):
    response = call_route("GET", f"/c/{card['card_id']}{query}", headers=headers)
    assert response.status == 200
    [view] = views(database, card["card_id"])
    assert view["source_type"] == source
    assert view["metadata_json"] == metadata
    assert view["referrer_url"] == (headers.get("referer"))


@pytest.mark.parametrize(
    ("user_agent", "device", "browser", "os"),
    [
        (PHONE_UA, "mobile", "Mobile Safari", "iOS"),
        (DESKTOP_UA, "desktop", "Chrome", "Windows"),
        (BOT_UA, "bot", "Googlebot", None),
        ("", "unknown", None, None),
    ],
)
def test_view_records_device_browser_os_tenant_event_and_ip(call_route, card, database, user_agent, device, browser, os):
    headers = {"user-agent": user_agent} if user_agent else {}
    call_route("GET", f"/c/{card['card_id']}?src=qr", headers=headers)
    [view] = views(database, card["card_id"])
    assert (view["device_type"], view["browser"], view["os"]) == (device, browser, os)
    assert view["tenant_id"] == card["tenant_id"]
    assert view["event_id"] == card["event_id"]
    assert str(view["ip_address"]) == "127.0.0.1"
    assert view["user_agent"] == (user_agent or None)


def test_cloudfront_viewer_address_is_the_ip(call_route, card, database):
    call_route("GET", f"/c/{card['card_id']}", headers={"cloudfront-viewer-address": "2001:db8::7:46532"})
    call_route("GET", f"/c/{card['card_id']}", headers={"cloudfront-viewer-address": "198.51.100.10:443"})
    call_route("GET", f"/c/{card['card_id']}", headers={"cloudfront-viewer-address": "garbage"})
    assert [str(view["ip_address"]) for view in views(database, card["card_id"])] == ["2001:db8::7", "198.51.100.10", "127.0.0.1"]


def test_a_session_counts_once_in_30_minutes(call_route, card, database, tenant_factory, admin_conn):
    first = call_route("GET", f"/c/{card['card_id']}")
    sid = sid_of(first)
    again = call_route("GET", f"/c/{card['card_id']}?src=qr", headers={"cookie": f"op_sid={sid}"})
    assert sid_of(again) == sid  # the same session, renewed (rolling)
    replay = call_route("GET", f"/c/{card['card_id']}", headers={"cookie": "op_sid=bad value!"})
    assert sid_of(replay) != sid  # a malformed cookie is replaced, never trusted...
    # ...and a new session from the same visitor (address and user agent) is not a new viewer (V0622)
    other = call_route("GET", f"/c/{card['card_id']}", headers={"cookie": "op_sid=bad value!", "cloudfront-viewer-address": "198.51.100.77:443"})
    recorded = views(database, card["card_id"])
    assert [(view["session_id"], view["is_unique"]) for view in recorded] == [
        (sid, True), (sid, False), (sid_of(replay), False), (sid_of(other), True)]

    # another card seen by the same session is a unique view of that card
    second_card = make_card(database, card["tenant_id"])
    call_route("GET", f"/c/{second_card['card_id']}", headers={"cookie": f"op_sid={sid}"})
    assert views(database, second_card["card_id"])[0]["is_unique"] is True

    # 30 minutes after the last view, the same session counts again
    admin_conn.execute("UPDATE card_view_events SET occurred_at = occurred_at - interval '31 minutes' WHERE card_id = %s", (card["card_id"],))
    call_route("GET", f"/c/{card['card_id']}", headers={"cookie": f"op_sid={sid}"})
    assert views(database, card["card_id"])[-1]["is_unique"] is True


def test_secure_cookie_when_the_public_url_is_https(call_route, card, monkeypatch):
    from outreachpass.config import reset_settings

    monkeypatch.setenv("PUBLIC_BASE_URL", "https://cards.example.com")
    reset_settings()
    try:
        response = call_route("GET", f"/c/{card['card_id']}")
        assert "; Secure" in set_cookie(response)
        assert f'href="https://cards.example.com/c/{card["card_id"]}"' in response.text
    finally:
        monkeypatch.undo()
        reset_settings()


# --- the vCard -------------------------------------------------------------------------------------


def test_vcard_download_parses_and_is_recorded(call_route, card, database):
    response = call_route("GET", f"/c/{card['card_id']}/vcard", headers={"user-agent": PHONE_UA, "cookie": "op_sid=abcdefghijklmnopqrstuv"})
    assert response.status == 200, response
    assert response.headers["content-type"] == "text/vcard; charset=utf-8"
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"Ada-Lovelace.vcf\"; filename*=UTF-8''Ada%20Lovelace.vcf"
    )
    assert response.headers["cache-control"] == "private, max-age=60"
    text = response.text
    assert text.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\n") and text.endswith("END:VCARD\r\n")
    parsed = vobject.readOne(text)
    assert parsed.fn.value == "Ada Lovelace"
    assert (parsed.n.value.family, parsed.n.value.given) == ("Lovelace", "Ada")
    assert parsed.org.value == ["Analytical Engines Ltd"]
    assert parsed.title.value == "Chief Programmer"
    assert parsed.email.value == card["email"]
    assert parsed.tel.value == "+44 20 7946 0958"
    urls = [url.value for url in parsed.contents["url"]]
    assert urls == ["https://www.linkedin.com/in/ada-lovelace", f"{base_url()}/c/{card['card_id']}"]
    assert parsed.note.value == "Met at PyCon Berlin 2027"
    assert parsed.uid.value == f"urn:uuid:{card['card_id']}"
    assert parsed.x_outreachpass_rev.value == "1"
    assert re.fullmatch(r"\d{8}T\d{6}Z", parsed.rev.value)
    assert "photo" not in parsed.contents  # no avatar
    [export] = exports(database, card["card_id"])
    assert (export["export_type"], export["device_type"], export["session_id"]) == ("vcard_download", "mobile", "abcdefghijklmnopqrstuv")
    assert (export["tenant_id"], export["event_id"]) == (card["tenant_id"], card["event_id"])
    assert views(database, card["card_id"]) == []


@pytest.mark.parametrize(
    ("first", "last"),
    [("Zoë", "Ñúñez-Östergård"), ("太郎", "山田"), ("Smith, Jr.", "O'Neil; PhD"), ("Back\\slash", "Line\nBreak")],
)
def test_vcard_names_in_any_script_round_trip(call_route, database, tenant_factory, app_env, first, last):
    card = make_card(database, tenant_factory(), first_name=first, last_name=last, org_name="Ünïcødé, Inc.; 東京支社")
    response = call_route("GET", f"/c/{card['card_id']}/vcard")
    parsed = vobject.readOne(response.text)
    assert parsed.fn.value == f"{first} {last}"
    assert (parsed.n.value.given, parsed.n.value.family) == (first, last)
    assert parsed.org.value == ["Ünïcødé, Inc.; 東京支社"]
    for line in response.text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75


def test_vcard_embeds_the_avatar_photo_when_the_small_jpeg_exists(call_route, database, tenant_factory, app_env, admin_conn, local_stack):
    from outreachpass.integrations.public_assets import vcard_photo_key

    card = make_card(database, tenant_factory())
    key = vcard_photo_key(card["tenant_id"], card["card_id"])
    jpeg = _jpeg()
    local_stack.boto("s3").put_object(Bucket=local_stack.resources.buckets["assets"], Key=key, Body=jpeg, ContentType="image/jpeg")
    admin_conn.execute("UPDATE cards SET avatar_s3_key = %s WHERE card_id = %s",
                       (f"avatars/{card['tenant_id']}/{card['card_id']}/original.jpg", card["card_id"]))
    parsed = vobject.readOne(call_route("GET", f"/c/{card['card_id']}/vcard").text)
    assert parsed.photo.value == jpeg
    assert parsed.photo.params["TYPE"] == ["JPEG"]


def test_vcard_without_the_small_jpeg_has_no_photo(call_route, database, tenant_factory, app_env, admin_conn, local_stack):
    card = make_card(database, tenant_factory())
    admin_conn.execute("UPDATE cards SET avatar_s3_key = %s WHERE card_id = %s",
                       (f"avatars/{card['tenant_id']}/{card['card_id']}/original.jpg", card["card_id"]))
    response = call_route("GET", f"/c/{card['card_id']}/vcard")
    assert response.status == 200
    assert "PHOTO" not in response.text


@pytest.mark.parametrize("card_path", ["not-a-uuid", str(uuid.uuid4()), "%20"])
def test_vcard_of_unknown_or_malformed_card_is_404_json(call_route, database, card_path):
    before = rows(database, "SELECT count(*) AS n FROM contact_export_events")[0]["n"]
    response = call_route("GET", f"/c/{card_path}/vcard")
    assert response.status == 404
    assert response.json["error"]["code"] == "CARD_NOT_FOUND"
    assert rows(database, "SELECT count(*) AS n FROM contact_export_events")[0]["n"] == before


def _jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (150, 150), (200, 120, 40)).save(out, format="JPEG", quality=80)
    return out.getvalue()


def test_avatar_and_logo_come_from_the_assets_bucket_and_the_csp_allows_exactly_that(
    call_route, database, tenant_factory, app_env, admin_conn, local_stack
):
    from urllib.parse import urlsplit

    card = make_card(database, tenant_factory())
    tenant_id, card_id = card["tenant_id"], card["card_id"]
    avatar_key = f"avatars/{tenant_id}/{card_id}/job/avatar.jpg"
    logo_key = f"logos/{tenant_id}/{card['brand_id']}/job/logo.png"
    admin_conn.execute("UPDATE cards SET avatar_s3_key = %s WHERE card_id = %s", (avatar_key, card_id))
    admin_conn.execute("UPDATE brands SET theme_json = theme_json || jsonb_build_object('logo_s3_key', %s::text) WHERE brand_id = %s",
                       (logo_key, card["brand_id"]))
    response = call_route("GET", f"/c/{card_id}")
    # the assets bucket's images (the logo twice: the band and the full-screen QR code); the rest is same-origin
    images = sorted({url for url in re.findall(r'<img (?:class="[^"]+" )?src="([^"]+)"', response.text) if url.startswith("http")})
    assert len(images) == 2
    assert all(url.startswith("/") for url in re.findall(r'<img (?:class="[^"]+" )?src="([^"]+)"', response.text) if url not in images)
    assert any(avatar_key in url for url in images) and any(logo_key in url for url in images)
    assert all("X-Amz-Signature=" in url for url in images)
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(images[0].replace("&amp;", "&")))
    assert f"img-src 'self' data: {origin};" in response.headers["content-security-policy"]
    avatar_url = next(url for url in images if avatar_key in url)
    assert f'<meta property="og:image" content="{avatar_url}">' in response.text


def test_asset_keys_of_another_tenant_are_never_presigned(call_route, database, tenant_factory, app_env, admin_conn, local_stack):
    card = make_card(database, tenant_factory())
    other = tenant_factory()
    admin_conn.execute("UPDATE cards SET avatar_s3_key = %s WHERE card_id = %s", (f"avatars/{other}/x/avatar.jpg", card["card_id"]))
    response = call_route("GET", f"/c/{card['card_id']}")
    assert "amazonaws" not in response.text and "X-Amz-Signature" not in response.text and str(other) not in response.text
    assert "img-src 'self' data:;" in response.headers["content-security-policy"]
    assert ">AL<" in response.text.replace("\n", "").replace(" ", "")  # the initials instead


def test_a_cdn_for_assets_replaces_presigned_urls(call_route, database, tenant_factory, app_env, admin_conn, monkeypatch):
    from outreachpass.config import reset_settings

    card = make_card(database, tenant_factory())
    avatar_key = f"avatars/{card['tenant_id']}/{card['card_id']}/job/avatar.jpg"
    admin_conn.execute("UPDATE cards SET avatar_s3_key = %s WHERE card_id = %s", (avatar_key, card["card_id"]))
    monkeypatch.setenv("ASSETS_BASE_URL", "https://assets.example.com/")
    reset_settings()
    try:
        response = call_route("GET", f"/c/{card['card_id']}")
    finally:
        monkeypatch.undo()
        reset_settings()
    assert f'<img src="https://assets.example.com/{avatar_key}"' in response.text
    assert "img-src 'self' data: https://assets.example.com;" in response.headers["content-security-policy"]


def test_an_unexpected_failure_is_an_html_500_page_with_a_reference(call_route, card, monkeypatch):
    import handlers.public.card_page as module

    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(module, "open_card_page", broken)
    response = call_route("GET", f"/c/{card['card_id']}")
    assert response.status == 500
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["x-correlation-id"] in response.text
    assert "bug" not in response.text and "Traceback" not in response.text
