"""Apple Wallet web service (/wallet/v1/...): the routes a device calls about passes it holds.

The pass downloads themselves are per-card public routes (handlers.public.card_wallet_*)."""
