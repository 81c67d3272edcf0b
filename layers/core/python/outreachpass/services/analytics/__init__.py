"""Engagement reports of a tenant or one of its events, over [from, to), bucketed in a time zone.

One module per job: `scope` (the validated range, time zone and event of a report), `buckets`
(local buckets and how a range is covered by rollup days, rollup hours and raw parts),
`reports` (the numbers), `export` (the events behind a report as CSV).

Numbers (every count excludes bots unless it says so):
* e-mail: events of each type; `unique` = distinct messages with such an event in the
  range; opens and clicks classified `machine` (privacy proxies, link scanners) are the
  `bots`, `raw_total` = total + bots; opens and clicks SES reports itself are duplicates of
  ours and never counted;
* card views: views not from a bot; `unique` = the views marked unique at insert (V0200,
  V0622): no view of the card in the 30 minutes before from the same session nor from the
  same visitor (salted hash of IP address and user agent), so a replay adds no viewer;
* wallet and contact exports: events not from a bot, by platform / event type / export type.

How they stay fast: the range is split (Cover) into whole UTC days that lie inside one
bucket (scan_daily), whole UTC hours that do (analytics_hourly), and the rest (edges, and
the hours a half-hour time zone splits) which is read raw; the rows not rolled up yet are
added (data/analytics.py). A local day in Asia/Kolkata starts at 18:30 UTC: its buckets
are 23 rollup hours plus two raw half hours, never a UTC day cut in two.

Distinct counts (unique messages) cannot be added up from rollups: they come from the raw
rows, so they stop where the retention job archived raw rows (`scope.archived_before`).
"""

