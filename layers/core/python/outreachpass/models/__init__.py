"""Request and response shapes (pydantic v2). Requests forbid unknown fields."""
