"""The card page as people show it at a booth, through the real handlers: its own QR code (a link to the
QR route, opened full screen by a modal dialog), only the visitor's platform's wallet first, each as
the official localized badge served by GET /wallet-badges/{badge}, the brand's logo, and a page that
stays accessible (labels, alt texts) and runs no script without the CSP nonce."""

from __future__ import annotations

import base64
import re

import pytest

from tests.integration.public_cards import DESKTOP_UA, PHONE_UA, base_url, make_card

ANDROID_UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/124.0.0.0 Mobile Safari/537.36")
MAC_SAFARI_UA = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                 "Version/17.4 Safari/605.1.15")
MAC_CHROME_UA = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
                 "Chrome/124.0.0.0 Safari/537.36")
IPHONE_CHROME_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                    "CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1")


@pytest.fixture
def card(database, tenant_factory, app_env):
    return make_card(database, tenant_factory())


def html_for(call_route, card, ua: str, **headers) -> str:
    response = call_route("GET", f"/c/{card['card_id']}", headers={"user-agent": ua, **headers})
    assert response.status == 200, response
    return response.text


def wallet_layout(html: str) -> tuple[list[str], list[str]]:
    """(wallets shown, wallets behind "More wallet options"), in page order."""
    before, _, rest = html.partition('<details class="more-wallets">')
    hidden, _, _ = rest.partition("</details>")
    ids = re.compile(r'id="(apple|google)-wallet"')
    return ids.findall(before), ids.findall(hidden)


# --- the QR code ------------------------------------------------------------------------------------


def test_the_page_shows_its_own_qr_code_to_share(call_route, card):
    html = html_for(call_route, card, PHONE_UA)
    qr = f"/c/{card['card_id']}/qr.svg"
    assert '<h2 class="qr-title" id="qr-title">Show to share</h2>' in html
    link = re.search(r'<a class="qr-open" id="qr-open" href="([^"]+)" aria-haspopup="dialog" aria-controls="qr-dialog">', html)
    assert link and link.group(1) == qr  # without script, the link opens the code itself
    assert f'<img src="{qr}" width="148" height="148" alt="QR code for Ada Lovelace&#39;s card">' in html or \
        f'<img src="{qr}" width="148" height="148" alt="QR code for Ada Lovelace\'s card">' in html
    # the full-screen view: a labelled modal dialog with the name, the code, and a Close button
    assert '<dialog class="qr-full" id="qr-dialog" aria-labelledby="qr-dialog-name">' in html
    assert '<p class="qr-full-name" id="qr-dialog-name" dir="auto">Ada Lovelace</p>' in html
    assert f'<img class="qr-full-code" id="qr-full-code" src="{qr}"' in html
    assert '<button type="button" class="btn qr-close" id="qr-close">Close</button>' in html
    assert "Scan to open my card" in html


def test_the_qr_code_the_page_links_encodes_the_card_url(call_route, card, local_stack):
    import base64

    import zxingcpp

    from tests.integration.test_qr import rasterize_path_svg

    html = html_for(call_route, card, PHONE_UA)
    link = re.search(r'id="qr-open" href="([^"]+)"', html).group(1)
    response = call_route("GET", link)
    assert response.status == 200 and response.headers["content-type"] == "image/svg+xml"
    [decoded] = zxingcpp.read_barcodes(rasterize_path_svg(base64.b64decode(response.text).decode()))
    assert decoded.text == f"{base_url()}/c/{card['card_id']}?src=qr"  # a scan counts as a QR view


def test_no_script_runs_without_the_nonce(call_route, card):
    response = call_route("GET", f"/c/{card['card_id']}", headers={"user-agent": PHONE_UA})
    html = response.text
    assert html.count("<script") == 1 and re.search(r'<script nonce="[^"]+">', html)
    assert re.search(r"\son[a-z]+\s*=", html) is None  # no inline event handler attributes
    assert "javascript:" not in html
    assert "unsafe-inline" not in response.headers["content-security-policy"]


def test_every_image_has_a_text_alternative_and_every_control_a_name(call_route, card):
    html = html_for(call_route, card, DESKTOP_UA)
    images = re.findall(r"<img [^>]*>", html)
    assert len(images) >= 4  # the QR code twice and two badges (the avatar and logo when there are some)
    assert all(re.search(r'\salt="', img) for img in images), images
    # only the avatar is decorative (its box is aria-hidden; the name is the heading next to it)
    assert all('width="112"' in img for img in images if 'alt=""' in img)
    for button in re.findall(r"<button[^>]*>(.*?)</button>", html, re.S):
        assert button.strip(), "a button without a name"
    assert re.search(r"<summary>|<details", html) is None  # on a desktop nothing is hidden


# --- the wallet of the visitor's platform first ---------------------------------------------------------


@pytest.mark.parametrize(
    ("ua", "shown", "behind_more"),
    [
        (PHONE_UA, ["apple"], ["google"]),  # iPhone, Safari
        (IPHONE_CHROME_UA, ["apple"], ["google"]),  # iPhone, any browser hands the pass to Wallet
        (MAC_SAFARI_UA, ["apple"], ["google"]),  # macOS Safari (and iPadOS, which asks as it)
        (ANDROID_UA, ["google"], ["apple"]),
        (MAC_CHROME_UA, ["apple", "google"], []),  # elsewhere: both, side by side
        (DESKTOP_UA, ["apple", "google"], []),
        ("", ["apple", "google"], []),
    ],
)
def test_only_the_visitor_s_platform_wallet_is_shown_first(call_route, card, ua, shown, behind_more):
    html = html_for(call_route, card, ua)
    assert wallet_layout(html) == (shown, behind_more)
    if behind_more:
        assert "<summary>More wallet options</summary>" in html


def test_a_wallet_the_brand_switched_off_is_not_offered_and_the_other_is_not_hidden(call_route, database, tenant_factory, app_env):
    card = make_card(database, tenant_factory(), features={"google_wallet": False})
    assert wallet_layout(html_for(call_route, card, ANDROID_UA)) == (["apple"], [])  # not the platform's, but the only one
    assert wallet_layout(html_for(call_route, card, PHONE_UA)) == (["apple"], [])


def test_the_badges_are_the_official_localized_artwork(call_route, card, claims_for):
    response = call_route("PATCH", f"/api/v1/admin/attendees/{card['attendee_id']}", claims=claims_for(card["tenant_id"], "admin"),
                          json_body={"language": "ja"})
    assert response.status == 200, response
    html = html_for(call_route, card, DESKTOP_UA)
    apple = re.search(r'<a class="badge apple" id="apple-wallet" href="([^"]+)" rel="nofollow"><img src="([^"]+)" width="(\d+)" height="64" alt="([^"]+)"></a>', html)
    google = re.search(r'<a class="badge google" id="google-wallet" href="([^"]+)" rel="nofollow"><img src="([^"]+)" width="272" height="(\d+)" alt="([^"]+)"></a>', html)
    assert apple and google
    assert apple.group(1) == f"/c/{card['card_id']}/wallet/apple" and google.group(1) == f"/c/{card['card_id']}/wallet/google"
    assert re.fullmatch(r"/wallet-badges/apple-ja\.svg\?v=[0-9a-f]{12}", apple.group(2))
    assert re.fullmatch(r"/wallet-badges/google-ja\.svg\?v=[0-9a-f]{12}", google.group(2))
    # the alt text is the badge's own wording in that language
    assert (apple.group(4), google.group(4)) == ("Appleウォレットに追加", "Google ウォレットに追加する")
    assert int(google.group(3)) >= 48  # Google: at least 48 px high, as wide as the buttons around it
    for src in (apple.group(2), google.group(2)):
        badge = call_route("GET", src)
        assert badge.status == 200, badge
        assert badge.headers["content-type"] == "image/svg+xml"
        assert badge.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert badge.headers["content-security-policy"] == "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
        svg = badge.raw["body"]
        text = (base64.b64decode(svg) if badge.raw.get("isBase64Encoded") else svg.encode()).decode()
        assert text.startswith("<svg") and 'viewBox="0 0 ' in text[:400] and "<script" not in text


@pytest.mark.parametrize(("code", "apple", "google"), [
    ("en", "Add to Apple Wallet", "Add to Google Wallet"),
    ("de", "Hinzufügen zu Apple Wallet", "Hinzufügen zu Google Wallet"),
    ("fr", "Ajouter à l’app Cartes Apple", "Ajouter au Google Wallet"),  # noqa: RUF001 (Apple's French wording)
    ("pt", "Adicionar à Carteira da Apple", "Adicionar a Carteira do Google"),
    ("ar", "إضافة إلى Apple Wallet", "الإضافة إلى محفظة Google"),
    ("he", "הוספה אל Apple Wallet", "הוספה אל Google Wallet"),
])
def test_each_language_gets_its_own_badge_file_and_wording(call_route, card, claims_for, code, apple, google):
    call_route("PATCH", f"/api/v1/admin/events/{card['event_id']}", claims=claims_for(card["tenant_id"], "admin"),
               json_body={"language": code})
    html = html_for(call_route, card, DESKTOP_UA)
    assert f'/wallet-badges/apple-{code}.svg?v=' in html and f'alt="{apple}"' in html
    assert f'/wallet-badges/google-{code}.svg?v=' in html and f'alt="{google}"' in html


@pytest.mark.parametrize("name", ["apple-xx.svg", "google-de.png", "..%2F..%2Fetc%2Fpasswd", "apple-de.svg.bak", "APPLE-de.svg"])
def test_anything_but_a_packaged_badge_is_a_404(call_route, app_env, name):
    response = call_route("GET", f"/wallet-badges/{name}")
    assert response.status == 404, response
    assert response.json["error"]["code"] == "WALLET_BADGE_NOT_FOUND"


def test_the_badge_route_needs_no_database():
    import routes

    route = routes.find_route("GET", "/wallet-badges/{badge}")
    assert route.is_public and route.needs.database is False  # its function gets no database access at all


# --- the brand's logo -------------------------------------------------------------------------------


def test_the_brand_logo_heads_the_page_and_the_full_screen_code(call_route, card, admin_conn, local_stack):
    logo_key = f"logos/{card['tenant_id']}/{card['brand_id']}/job/logo.png"
    admin_conn.execute("UPDATE brands SET theme_json = theme_json || jsonb_build_object('logo_s3_key', %s::text) WHERE brand_id = %s",
                       (logo_key, card["brand_id"]))
    html = html_for(call_route, card, PHONE_UA)
    band = html.split('<header class="band">', 1)[1].split("</header>", 1)[0]
    assert re.search(r'<img src="[^"]*' + re.escape(logo_key) + r'[^"]*" alt="Acme Events" height="32">', band)
    dialog = html.split('<dialog', 1)[1].split("</dialog>", 1)[0]
    assert re.search(r'<img class="qr-full-logo" src="[^"]*' + re.escape(logo_key) + r'[^"]*" alt="Acme Events">', dialog)
