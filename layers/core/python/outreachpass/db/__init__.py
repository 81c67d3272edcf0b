"""Database access foundations: connections (connection.py) and schema migrations (migrate/)."""
