"""CSV import of attendees, one module per step:

- `uploads`: where an import's file lives (key, bucket) and how large it may be;
- `start`: the API side: a job with a presigned upload, or the CSV in the request queued at once;
- `preview`: the API side before a job: what a file's first lines would import as;
- `mapping`: the file's columns as the job reports them (warnings for what it leaves out);
- `rows`: one row's rules (the same as POST /events/{id}/attendees);
- `importer`: a CSV stream into an event's attendees and cards, inside the caller's transaction;
- `worker`: the imports queue's side: claim the job, run the import, finish the job.

The upload -> queue link. A presigned PUT puts the file at `imports/{tenant}/{job}/upload.csv`
in the uploads bucket; S3 itself tells the imports queue (an ObjectCreated notification on
prefix `imports/`, suffix `upload.csv`: lambdas/routes.py UPLOAD_TRIGGERS; moto delivers it the
same way locally). A CSV sent in the request body is stored at `.../body.csv` (outside that
filter) and the route sends the queue message itself. The worker accepts both messages.

What a job reports (models/jobs.py): every row counts once, total = succeeded + skipped +
failed, succeeded = created + updated. created = new attendees (each with its card); updated =
existing attendees the row changed; skipped = rows whose attendee already was what the row says;
failed = rows refused, each with its spreadsheet row number, field, the file's column and the
reason (all of them in job_item_errors, the first thousand in the job itself). A second row
with an e-mail already on an earlier row is refused ("the same e-mail as row N"): the first row
of an e-mail is the one imported, nothing is merged or overwritten silently. Columns that match
no attendee field are warnings on the job. A job with refused rows is `succeeded_with_errors`;
one whose every row was refused has failed.
"""
