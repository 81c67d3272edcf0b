"""Emailing attendees their card, one module per job:

- `send_request`: the API side (POST /api/v1/admin/events/{event_id}/emails): who gets the
  email, the `emails` job, and its batches on the emails queue;
- `compose`: what one card email says and who it comes from (sender, links, MIME);
- `send_worker`: the emails queue's worker, which sends one batch with the send log as
  idempotency.
"""
