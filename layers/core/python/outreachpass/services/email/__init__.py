"""Emailing attendees their card, one module per job:

- `send_request`: the API side (POST /api/v1/admin/events/{event_id}/emails): who gets the
  email, the `emails` job, and its batches on the emails queue;
- `compose`: what one card email says and who it comes from (sender, links, MIME);
- `send_worker`: the emails queue's worker, which sends one batch with the send log as
  idempotency;
- `tracking`: the open pixel and tracked links of a sent email, and the funnel built from them;
- `classification`: which opens and clicks were people and which were machines;
- `ses_events`: SES's delivery, bounce, complaint, open and click events (via SNS);
- `suppressions`: the tenant's addresses that must not be mailed again.

(services.card_tracking is the other tracking: views and exports of the public card.)
"""
