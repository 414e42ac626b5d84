"""The Slack app (slack-bolt): an adapter over the agent and the domain services."""
