"""The loaded data snapshot (catalogue, rules, templates, matcher) and its atomic reload on file changes.

Every load lints every template through its contract (`template_samples` gathers them);
`messages` holds the contracts of the reload notices."""
