"""Customer records (客户档案): tiers by configurable rules, tags, agents' notes, the chat archive."""
