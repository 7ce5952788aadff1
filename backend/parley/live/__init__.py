"""This process's real-time state: hub, brokers, presence, typing, rate limits, watchers, wire encoding."""
