"""Wallet integrations: Apple .pkpass signing and the APNs client, the Google Wallet REST
client and save JWT, and the credentials they read from Secrets Manager.

Modules import cryptography, httpx and google-auth lazily (inside functions), so the routes
that never sign a pass do not pay for them at cold start.
"""
