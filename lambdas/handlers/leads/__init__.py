"""The exhibitor API (/api/v1/leads): an exhibitor user's lead scanner and its leads."""
