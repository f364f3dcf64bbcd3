"""What the bot says: the composer (which answer, from which facts), sandboxed templates,
service language and its audience rules, template contracts (`message`) and their lint."""
