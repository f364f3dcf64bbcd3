"""Service-level metrics (客服考核): recording in Redis, reports, alerts.

The package splits pure arithmetic (`periods`, `metrics`, `settings`) from Redis I/O
(`recorder`, `report`, `alerts`) so the definitions can be tested without a server and
the hot path stays one round trip per message event. `posting` renders the reports for
the agents (`/sla`, the weekly post) through the contracts in `messages` (report, alerts).
"""
