"""The route, worker, schedule and consumer modules (one Lambda function each).

Importing any of them imports this package first, before their own imports run: the place to
make Powertools' re-exporting packages lazy (outreachpass.lazy_exports), so a function loads the
resolver and event classes it uses, not every one Powertools has.
"""

from outreachpass import lazy_exports

lazy_exports.install()
