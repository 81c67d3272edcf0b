"""Business rules. Services take a Principal and validated input, run one tenant transaction,
and raise errors from outreachpass.errors; they never see an API Gateway event."""
