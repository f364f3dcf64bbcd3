"""What the bot says: the composer (which answer, from which facts), sandboxed templates, service language, lint."""
