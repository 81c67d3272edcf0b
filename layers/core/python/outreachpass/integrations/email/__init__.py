"""Email: rendering the card email (jinja2), building its MIME, sending it through SES v2.

Nothing here is imported by the tracking routes: they stay free of jinja2 and boto3.
"""
