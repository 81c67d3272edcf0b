"""Public routes: health, and a card's public faces, each module named after its path
(card_page: /c/{card_id}, card_vcard: /c/{card_id}/vcard, card_wallet_apple: /c/{card_id}/wallet/apple...)."""
