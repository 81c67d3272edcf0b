"""Integrations: AWS clients and third-party formats (wallet, email, qr, vcard, storage, analytics)."""
