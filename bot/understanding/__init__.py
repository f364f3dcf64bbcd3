"""Understanding buyers (pure): normalising text, reading slots, matching topics, evaluation."""
