"""The `livedesk` command line: sandbox, run, check, templates, intents, promo, sla, doctor."""
