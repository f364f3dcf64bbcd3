"""Messages the bot sends unprompted: one payment reminder, one review invitation.

Each is a round (`run_once(now)`) the background loop runner calls; a Redis marker per
order makes every message go out at most once, whichever worker runs the round.
"""
