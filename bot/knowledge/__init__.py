"""The loaded data snapshot (catalogue, rules, templates, matcher) and its atomic reload on file changes."""
