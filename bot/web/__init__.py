"""The web console for agents, supervisors and ops (`livedesk web`, and under /console in
the sandbox): queue, conversations, the SLA dashboard, promotion and template editors.

Server-rendered Jinja pages with a little JavaScript (the queue refreshes by small polling).
Sign-in is Telegram's (Login Widget or Mini App init data); only staff in people.yaml
get in, with their role. `make_app` in `bot.web.app` builds the aiohttp application.
"""
