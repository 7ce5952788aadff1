"""Parley: self-hosted real-time team chat.

The package is laid out by layer, and imports point one way (tests/test_layers.py walks the source with `ast`
and fails on any import that breaks this, TYPE_CHECKING imports included):

    web/      the HTTP edge: middlewares, REST and admin REST handlers, the /ws reader, schemas, static files.
              Thin: load a schema, call an action, answer.            may import actions, live, store, base
    admin/    the operator's `parley` subcommands.                    may import actions, live, store, base
    actions/  the rules, one module per noun: check_* (validate, authorize, cap), then do (store, then
              announce). The only place that decides.                 may import live, store, base
    live/     this process's real-time state: hub, brokers, presence, typing, rate limits, watchers, wire
              encoding. Pure state machines take `now`.               may import store, base
    store/    SQL and migrations, nothing else.                       may import base
    base      settings, clock, errors, models, counters: shared vocabulary.     may import base only

    app.py, cli.py, __main__.py and keys.py wire the layers together and may import any of them; no layer
    imports them, except that web/ reads the application's state through keys.py.

web/ and admin/ never import each other. There are no import cycles, between modules or between layers.
"""
