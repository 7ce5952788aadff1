"""The operator's `parley` subcommands: users, rooms, history."""
