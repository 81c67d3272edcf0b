"""Routes the wallets themselves call: Apple Wallet's web service (/wallet/v1/...: devices about
the passes they hold) and Google Wallet's save / delete callbacks (/wallet/google/callback).

The pass downloads themselves are per-card public routes (handlers.public.card_wallet_*)."""
