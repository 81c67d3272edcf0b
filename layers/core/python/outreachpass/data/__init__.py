"""Data access: the SQL, and only the SQL. Functions take an open connection (already in a
tenant transaction) and return dicts; they never commit, log requests or see HTTP."""
