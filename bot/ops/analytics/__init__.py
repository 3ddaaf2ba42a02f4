"""Anonymous usage analytics: Rasa events reduced to counters (see docs/analytics.md)."""
