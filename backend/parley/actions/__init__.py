"""The rules, one module per noun: check (validate, authorize, cap), then do (store, then announce)."""
